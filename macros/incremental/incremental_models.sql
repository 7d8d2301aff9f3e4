{#
    Incremental models: the staging of the large, append-mostly Salesforce
    tables (tasks, events, campaign members, stage history), and the
    attribution touchpoints they feed (fct_attribution_touchpoints, which
    finds its changed persons itself; it shares the materialization and the
    deletion of rows whose key is gone).

    Each run takes the latest version of every record loaded since the
    watermark (the newest load in the table) minus var
    incremental_lookback_days, so late-arriving rows within that window are
    picked up, and merges it by the record key (delete+insert). Records the
    base model no longer keeps are removed first (delete_excluded_staging_rows,
    a pre-hook): deleted or merged away, whenever that happened, and records
    gone from the raw table altogether (a hard delete without a loader flag,
    a truncated re-sync). A run with nothing new changes nothing, and the
    table equals what a full refresh builds.
    Spark without Delta, Hudi or Iceberg can neither delete nor merge, and
    its append and insert_overwrite strategies would keep the older version
    of a re-loaded record or of a record deleted since: there the models are
    plain tables, rebuilt whole on every run, which is what a full refresh
    builds.
#}
{% macro incremental_materialization() %}
    {{ return(adapter.dispatch('incremental_materialization', 'revenue_funnel')()) }}
{% endmacro %}

{% macro default__incremental_materialization() %}
    {{ return('incremental') }}
{% endmacro %}

{% macro spark__incremental_materialization() %}
    {{ return('table') }}
{% endmacro %}


{#- a pre-hook: on an incremental run, deletes the rows whose key the query no longer returns -#}
{% macro delete_rows_with_missing_keys(key_column, keys_query) %}
    {%- if is_incremental() -%}
        delete from {{ this }}
        where {{ key_column }} not in (
            select key_value
            from ({{ keys_query }}) as current_keys (key_value)
            where key_value is not null
        )
    {%- else -%}
        select 1
    {%- endif -%}
{% endmacro %}


{#- the newest load stored in this incremental model, less var incremental_lookback_days: an
    incremental run takes again every row loaded since (null while the table is empty) -#}
{% macro incremental_watermark(stored_loaded_at) %}
    {%- set lookback_days = validated_var('incremental_lookback_days', type='integer') -%}
    (select {{ dbt.dateadd('day', -1 * lookback_days, 'max(' ~ stored_loaded_at ~ ')') }} from {{ this }})
{%- endmacro %}


{% macro incremental_staging_filter(loaded_expression) %}
    {%- if is_incremental() -%}
        {#- an empty table (nothing staged yet, or every record gone) takes everything again -#}
        and {{ loaded_expression }} >= coalesce(
            {{ incremental_watermark('coalesce(loaded_at, modified_at)') }},
            cast('1900-01-01 00:00:00' as {{ dbt.type_timestamp() }})
        )
    {%- endif -%}
{% endmacro %}


{#- the config of an incremental staging model: delete+insert by its record key, after the
    records its base model no longer keeps are deleted (a pre-hook) -#}
{% macro incremental_staging_config(base_model, key_column) %}
    {{- config(
        materialized=incremental_materialization(),
        unique_key=key_column,
        incremental_strategy='delete+insert',
        on_schema_change='append_new_columns',
        pre_hook="{{ delete_excluded_staging_rows('" ~ base_model ~ "', '" ~ key_column ~ "') }}",
    ) -}}
{% endmacro %}


{% macro delete_excluded_staging_rows(base_model, key_column) %}
    {{- delete_rows_with_missing_keys(
        key_column,
        'select id from ' ~ ref('revenue_funnel', base_model) ~ ' where exclusion_reason is null',
    ) -}}
{% endmacro %}

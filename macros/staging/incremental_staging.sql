{#
    Incremental staging of the large, append-mostly Salesforce tables (tasks,
    events, campaign members, stage history).

    Each run takes the latest version of every record loaded since the
    watermark (the newest load in the table) minus var
    incremental_lookback_days, so late-arriving rows within that window are
    picked up, and merges it by the record key (delete+insert). Records whose
    latest version is deleted or merged away are removed first
    (delete_excluded_staging_rows, a pre-hook). A run with nothing new
    changes nothing, and the table equals what a full refresh builds.
    Spark without Delta cannot delete: there the models are plain tables.
#}
{% macro incremental_staging_materialization() %}
    {{ return('table' if target.type == 'spark' else 'incremental') }}
{% endmacro %}


{% macro incremental_staging_filter(loaded_expression) %}
    {%- if is_incremental() -%}
        {%- set lookback_days = validated_var('incremental_lookback_days', type='integer') -%}
        and {{ loaded_expression }} >= (
            select {{ dbt.dateadd('day', -1 * lookback_days, 'max(coalesce(loaded_at, modified_at))') }}
            from {{ this }}
        )
    {%- endif -%}
{% endmacro %}


{% macro delete_excluded_staging_rows(base_model, key_column) %}
    {%- if is_incremental() -%}
        delete from {{ this }}
        where {{ key_column }} in (
            select id
            from {{ ref(base_model) }}
            where
                exclusion_reason in ('deleted', 'merged')
                and version_rank = 1
                {{ incremental_staging_filter('coalesce(_fivetran_synced, system_modstamp)') }}
        )
    {%- else -%}
        select 1
    {%- endif -%}
{% endmacro %}

{#
    Body of a base_salesforce__<table> model: every raw row, conformed to the
    contract, with the reason it is kept out of staging (null when it is kept):
      missing_id  - no record id: cannot be joined or deduplicated;
      duplicate   - an older copy of a re-synced record (latest system_modstamp,
                    then latest load, wins; copies equal on both keep the one with
                    the greatest content hash, so the survivor never depends on the
                    physical order of the raw rows);
      merged      - the losing side of a merge (is_deleted with a master_record_id);
                    staging resolves references through stg_salesforce__record_merges;
      deleted     - soft- or hard-deleted, only when var salesforce_deleted_records
                    is 'exclude' (with 'flag', the row stays with is_deleted = true).
    audit_salesforce_row_counts counts every class, so no raw row goes unseen.

    With incremental=true (the large tables) the model is incremental by record
    id: a row's class depends only on the raw rows of the same id, so a run
    re-classifies only the ids with a raw row loaded since the newest stored
    load minus var incremental_lookback_days, or with no load time at all, and
    replaces their rows (delete+insert); rows without an id are replaced on
    every run. When the stored rows plus that increment would not make exactly
    the raw table's row count (a record hard-deleted from the raw table, a copy
    removed, a row loaded late with an old load time), the run re-classifies
    every raw row instead, so the table always equals a full refresh.
#}
{% macro salesforce_base_model(table_name, incremental=false) %}
    {%- if incremental -%}
        {{ config(
            materialized=incremental_materialization(),
            unique_key='id',
            incremental_strategy='delete+insert',
            on_schema_change='append_new_columns',
            pre_hook="{{ salesforce_base_delete_replaced_rows('" ~ table_name ~ "') }}",
        ) }}
    {%- endif -%}
    {%- set column_names = salesforce_contract_columns(table_name) | map(attribute='name') | list -%}
    {%- set deleted_records = validated_var('salesforce_deleted_records', allowed=['exclude', 'flag']) -%}
    {%- set is_deleted -%}
        ({{ 'coalesce(is_deleted, false)' if 'is_deleted' in column_names else 'false' }}
        or {{ 'coalesce(_fivetran_deleted, false)' if '_fivetran_deleted' in column_names else 'false' }})
    {%- endset -%}
    {#- the row's content: every contract column as text, nulls as '', '|' between (the
        conformed select has no empty strings, so a null and a value never collide) -#}
    {%- set content_parts = [] -%}
    {%- for column_name in column_names -%}
        {%- do content_parts.append("coalesce(cast(" ~ column_name ~ " as " ~ dbt.type_string() ~ "), '')") -%}
        {%- if not loop.last -%}
            {%- do content_parts.append("'|'") -%}
        {%- endif -%}
    {%- endfor %}

with source as (

    {%- if is_incremental() and salesforce_base_increment_is_whole(table_name) %}
    {{ salesforce_base_narrow_marker() }}
    {{ salesforce_source_select(table_name, id_keys=salesforce_base_changed_id_keys(table_name)) }}
    {%- else %}
    {{ salesforce_source_select(table_name) }}
    {%- endif %}

),

-- most ids have one raw row: only the ids with several copies (and the rows
-- without an id) need the dedup window and its content hash, the costliest part
-- of the model (docs/benchmarks.md, third round)
id_copies as (

    select
        id,
        count(*) as copy_count
    from source
    where id is not null
    group by id

),

versioned as (

    select
        *,
        row_number() over (
            partition by id
            order by
                system_modstamp desc nulls last,
                _fivetran_synced desc nulls last,
                -- final tie-break: copies with the same modstamp and load time but other
                -- content keep the greatest hash, whatever order the rows arrived in
                {{ dbt.hash(dbt.concat(content_parts)) if content_parts else 'id' }} desc
        ) as version_rank
    from source
    where id is null or id in (select id from id_copies where copy_count > 1)

    union all

    select
        *,
        1 as version_rank
    from source
    where id in (select id from id_copies where copy_count = 1)

),

classified as (

    select
        *,
        case
            when id is null then 'missing_id'
            when version_rank > 1 then 'duplicate'
            {%- if 'master_record_id' in column_names %}
            when {{ is_deleted }} and master_record_id is not null then 'merged'
            {%- endif %}
            {%- if deleted_records == 'exclude' %}
            when {{ is_deleted }} then 'deleted'
            {%- endif %}
        end as exclusion_reason,
        {{ is_deleted }} as is_deleted_record
    from versioned

)

select * from classified
{% endmacro %}


{#- the load time of a raw row: the loader's sync time, else the record's modification time -#}
{% macro salesforce_base_loaded_at(table_name) %}
    {%- set column_names = salesforce_contract_columns(table_name) | map(attribute='name') | list -%}
    {%- set present = ['_fivetran_synced', 'system_modstamp'] | select('in', column_names) | list -%}
    {{- 'coalesce(' ~ present | join(', ') ~ ')' if present | length > 1 else (present[0] if present else 'null') -}}
{% endmacro %}


{#-
    The ids an incremental run re-classifies, as text keys ('' for rows without
    an id, always included): the ids of the raw rows loaded since the newest
    stored load minus the lookback, or without a load time. Keys, not ids, so
    that the filters are plain semi-joins (`key in (...)`), with no `or id is null`.
-#}
{% macro salesforce_base_changed_id_keys(table_name) %}
    {%- set loaded_at = salesforce_base_loaded_at(table_name) -%}
    select coalesce(id, '') as id_key
    from ({{ salesforce_source_select(table_name) }}) as raw_rows
    where {{ loaded_at }} is null
        or {{ loaded_at }} >= {{ incremental_watermark(loaded_at) }}
    union all
    select ''
{% endmacro %}


{#-
    Whether replacing the changed ids' rows gives the whole raw table: the stored
    rows, less those of the changed ids and those without an id, plus the raw
    rows of the changed ids and without an id, must be as many as the raw rows;
    and no stored row may be classified against the current
    salesforce_deleted_records (a 'deleted' row under 'flag', a kept deleted row
    under 'exclude'), so changing that var re-classifies everything.
    Run once, when the model is compiled; the pre-hook reads the decision from
    the compiled SQL (salesforce_base_narrow_marker), so both always agree.
-#}
{% macro salesforce_base_increment_is_whole(table_name) %}
    {%- if not execute -%}
        {{ return(false) }}
    {%- endif -%}
    {%- if validated_var('salesforce_deleted_records', allowed=['exclude', 'flag']) == 'exclude' -%}
        {%- set stale_deleted_rows = 'exclusion_reason is null and is_deleted_record' -%}
    {%- else -%}
        {%- set stale_deleted_rows = "exclusion_reason = 'deleted'" -%}
    {%- endif -%}
    {%- set counts_query -%}
        with changed_id_keys as (
            {{ salesforce_base_changed_id_keys(table_name) }}
        ),

        raw_id_keys as (
            select coalesce(id, '') as id_key from ({{ salesforce_source_select(table_name) }}) as conformed
        )

        select
            (select count(*) from raw_id_keys) as raw_row_count,
            (select count(*) from raw_id_keys where id_key in (select id_key from changed_id_keys))
                as raw_increment_row_count,
            (select count(*) from {{ this }}) as stored_row_count,
            (select count(*) from {{ this }} where coalesce(id, '') in (select id_key from changed_id_keys))
                as stored_replaced_row_count,
            (select count(*) from {{ this }} where {{ stale_deleted_rows }}) as stale_deleted_row_count
    {%- endset -%}
    {%- set counts = run_query(counts_query).rows[0] -%}
    {{ return(counts[2] - counts[3] + counts[1] == counts[0] and counts[4] == 0) }}
{% endmacro %}


{#- the comment the compiled SQL of a base model carries when the run re-classifies the
    changed ids only: its pre-hook reads it instead of counting the rows a second time -#}
{% macro salesforce_base_narrow_marker() -%}
    -- revenue_funnel: incremental run, changed ids only
{%- endmacro %}


{#- a pre-hook: the rows the run replaces that delete+insert by id cannot find -#}
{% macro salesforce_base_delete_replaced_rows(table_name) %}
    {%- if not is_incremental() -%}
        select 1
    {%- elif salesforce_base_narrow_marker() | trim in (model.compiled_code or '') -%}
        delete from {{ this }} where id is null
    {%- else -%}
        delete from {{ this }}
    {%- endif -%}
{% endmacro %}

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
#}
{% macro salesforce_base_model(table_name) %}
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

    {{ salesforce_source_select(table_name) }}

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

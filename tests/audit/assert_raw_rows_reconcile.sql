-- Every raw row is either staged or excluded for exactly one reported reason,
-- and the staged count is what the staging model really holds.
with

audit as (

    select * from {{ ref('revenue_funnel', 'audit_salesforce_row_counts') }}

),

actual_staged as (
    {% for table_name, staging_model in salesforce_tables().items() %}
        select
            '{{ table_name }}' as source_table,
            count(*) as actual_row_count
        from {{ ref('revenue_funnel', staging_model) }}
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}

)

select
    audit.source_table,
    audit.raw_row_count,
    audit.staged_row_count,
    actual_staged.actual_row_count
from audit
inner join actual_staged
    on audit.source_table = actual_staged.source_table
where
    audit.raw_row_count != audit.staged_row_count
    + audit.missing_id_excluded_row_count
    + audit.duplicate_excluded_row_count
    + audit.merged_excluded_row_count
    + audit.deleted_excluded_row_count
    or audit.staged_row_count != actual_staged.actual_row_count

-- Question (revenue operations): "Did every raw CRM row end up somewhere, and
-- what did the funnel leave out or flag?"
select
    'raw table' as audit_level,
    source_table as checked_object,
    'rows kept out of staging' as check_name,
    raw_row_count - staged_row_count as row_count
from {{ ref('revenue_funnel', 'audit_salesforce_row_counts') }}

union all

select
    'funnel' as audit_level,
    checked_object,
    {{ dbt.concat(["check_name", "' ('", "treatment", "')'"]) }} as check_name,
    row_count
from {{ ref('revenue_funnel', 'audit_funnel_exclusions') }}
order by audit_level, checked_object, check_name

{#
    The ICP tier and employee segment of every account and every lead, from
    the seeds icp_rules (first matching rule by priority) and
    employee_segments. Leads get a tier from their own firmographics, so
    unconverted leads can be compared by tier too.
#}
with

accounts as (

    select * from {{ ref('revenue_funnel', 'stg_salesforce__accounts') }}

),

leads as (

    select * from {{ ref('revenue_funnel', 'stg_salesforce__leads') }}

),

icp_rules as (

    select * from {{ config_table('icp_rules') }}

),

employee_segments as (

    select * from {{ config_table('employee_segments') }}

),

subjects as (

    select
        'account' as subject_type,
        account_id as subject_id,
        industry,
        employee_count
    from accounts

    union all

    select
        'lead' as subject_type,
        lead_id as subject_id,
        industry,
        employee_count
    from leads

),

-- the first rule each subject matches: the lowest matching priority, an aggregate rather
-- than a row_number() window (hashing is cheaper than sorting a million partitions; see
-- docs/benchmarks.md), joined back to its rule (rule_priority is the seed's key)
first_matches as (

    select
        subjects.subject_type,
        subjects.subject_id,
        min(icp_rules.rule_priority) as rule_priority
    from subjects
    inner join icp_rules
        on (icp_rules.industry = 'any' or lower(subjects.industry) = lower(icp_rules.industry))
            and coalesce(subjects.employee_count, 0)
            between icp_rules.min_employee_count and icp_rules.max_employee_count
    group by
        subjects.subject_type,
        subjects.subject_id

),

rule_matches as (

    select
        first_matches.subject_type,
        first_matches.subject_id,
        icp_rules.icp_tier
    from first_matches
    inner join icp_rules
        on first_matches.rule_priority = icp_rules.rule_priority

),

final as (

    select
        subjects.subject_type,
        subjects.subject_id,
        coalesce(rule_matches.icp_tier, 'Unmatched') as icp_tier,
        coalesce(employee_segments.employee_segment, 'Unknown') as employee_segment
    from subjects
    left join rule_matches
        on subjects.subject_type = rule_matches.subject_type
            and subjects.subject_id = rule_matches.subject_id
    left join employee_segments
        on subjects.employee_count between employee_segments.min_employee_count
            and employee_segments.max_employee_count

)

select * from final

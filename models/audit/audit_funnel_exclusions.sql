{#
    One row per data-quality check of the funnel layer: how many rows it
    caught and what happened to them - `excluded` (kept out of the funnel
    counts) or `flagged` (counted, but marked). Together with
    audit_salesforce_row_counts, every raw row is either in the funnel or
    visibly accounted for.
#}
with

leads as (

    select * from {{ ref('fct_funnel_leads') }}

),

opportunities as (

    select * from {{ ref('stg_salesforce__opportunities') }}

),

outcomes as (

    select * from {{ ref('int_opportunity_outcomes') }}

),

visits as (

    select * from {{ ref('int_opportunity_stage_visits') }}

),

users as (

    select * from {{ ref('dim_users') }}

),

tasks as (

    select * from {{ ref('stg_salesforce__tasks') }}

),

events as (

    select * from {{ ref('stg_salesforce__events') }}

),

identities as (

    select * from {{ ref('int_person_identities') }}

),

{# Leads and contacts deleted in the CRM are dropped in staging (var
    salesforce_deleted_records = 'exclude'), so their activities have no
    person; naming that reason keeps them apart from truly orphaned rows. #}
deleted_person_records as (

    select id as record_id from {{ ref('base_salesforce__lead') }}
    where exclusion_reason = 'deleted'
    union all
    select id as record_id from {{ ref('base_salesforce__contact') }}
    where exclusion_reason = 'deleted'

),

stage_mapping as (

    select * from {{ ref('opportunity_stage_mapping') }}

),

{# The seed mapping decides whether a deal is won; a CRM flag that disagrees
    with it (a stage renamed in one place but not the other) is counted here
    so the disagreement is visible, not silently resolved. #}
opportunity_won_flags as (

    select
        opportunities.opportunity_id,
        opportunities.is_won != stage_mapping.is_won as is_won_contradicts_mapping
    from opportunities
    inner join stage_mapping
        on opportunities.stage_name = stage_mapping.stage_name

),

{%- set activity_of_deleted_person -%}
    who_id in (select deleted_person_records.record_id from deleted_person_records)
{%- endset -%}
{%- set activity_without_person -%}
    (who_id is null or who_id not in (select identities.record_id from identities))
    and not coalesce({{ activity_of_deleted_person }}, false)
{%- endset %}

{%- set checks = [
    ('lead', 'test_lead', 'excluded', 'leads', 'is_test_lead'),
    ('lead', 'deleted_lead', 'excluded', 'leads', 'is_deleted'),
    ('lead', 'duplicate_person', 'excluded', 'leads', 'is_duplicate_person'),
    ('lead', 'created_after_as_of_date', 'excluded', 'leads', 'is_created_after_as_of'),
    ('lead', 'missing_owner', 'flagged', 'leads', 'has_missing_owner'),
    ('lead', 'pipeline_without_appointment', 'flagged', 'leads', 'has_skipped_appointment and not is_excluded'),
    ('lead', 'won_amount_without_exchange_rate', 'flagged', 'leads', 'has_missing_exchange_rate and not is_excluded'),
    ('opportunity', 'opportunity_without_person', 'excluded', 'opportunities',
        'opportunity_id not in (select outcomes.opportunity_id from outcomes where outcomes.person_id is not null)'),
    ('opportunity', 'reopened_opportunity', 'flagged', 'outcomes', 'is_reopened'),
    ('opportunity', 'is_won_contradicts_stage_mapping', 'flagged', 'opportunity_won_flags',
        'is_won_contradicts_mapping'),
    ('opportunity_stage_visit', 'unmapped_stage_name', 'excluded', 'visits', 'is_unmapped_stage'),
    ('user', 'unmapped_role', 'flagged', 'users', 'is_unmapped_role'),
    ('task', 'activity_of_deleted_person', 'excluded', 'tasks', activity_of_deleted_person),
    ('task', 'activity_without_person', 'excluded', 'tasks', activity_without_person),
    ('event', 'activity_of_deleted_person', 'excluded', 'events', activity_of_deleted_person),
    ('event', 'activity_without_person', 'excluded', 'events', activity_without_person),
] %}

checks as (

    {%- for checked_object, check_name, treatment, relation, condition in checks %}
        select
            '{{ checked_object }}' as checked_object,
            '{{ check_name }}' as check_name,
            '{{ treatment }}' as treatment,
            count(case when {{ condition }} then 1 end) as row_count
        from {{ relation }}
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}

),

final as (

    select
        checked_object,
        check_name,
        treatment,
        cast(coalesce(row_count, 0) as {{ dbt.type_bigint() }}) as row_count
    from checks

)

select * from final

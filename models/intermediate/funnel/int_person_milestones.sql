{#
    One row per person with the first time they reached each milestone after
    the lead: handled and appointment from the activities the seed
    milestone_rules select, pipeline / won / lost from their opportunities'
    stage visits, with the department responsible at each milestone (the
    owner's department on that date) and the won amount in corporate and
    original currency.
#}
with

activities as (

    select * from {{ ref('revenue_funnel', 'int_activity_milestones') }}

),

opportunities as (

    select * from {{ ref('revenue_funnel', 'int_opportunity_outcomes') }}

),

departments as (

    select * from {{ ref('revenue_funnel', 'int_users_departments') }}

),

first_activities as (

    select
        person_id,
        milestone,
        milestone_at,
        owner_department,
        row_number() over (
            partition by person_id, milestone
            order by milestone_at, activity_object, activity_id
        ) as milestone_rank
    from activities

),

activity_milestones as (

    select
        person_id,
        min(case when milestone = 'handled' then milestone_at end) as handled_at,
        max(case when milestone = 'handled' then owner_department end) as handled_by_department,
        min(case when milestone = 'appointment' then milestone_at end) as appointment_at,
        max(case when milestone = 'appointment' then owner_department end) as appointment_by_department
    from first_activities
    where milestone_rank = 1
    group by person_id

),

ranked_opportunities as (

    select
        *,
        row_number() over (
            partition by person_id
            order by case when pipeline_at is null then 1 else 0 end, pipeline_at, created_at, opportunity_id
        ) as pipeline_rank,
        row_number() over (
            partition by person_id
            order by case when won_at is null then 1 else 0 end, won_at, opportunity_id
        ) as won_rank
    from opportunities
    where person_id is not null

),

opportunity_rollup as (

    select
        person_id,
        count(*) as opportunity_count,
        count(case when won_at is not null then 1 end) as won_opportunity_count,
        -- an opportunity without a (mapped) current stage is still open
        count(case when coalesce(funnel_stage_as_of, 'open') not in ('won', 'lost') then 1 end)
            as open_opportunity_count,
        min(won_at) as won_at,
        max(lost_at) as last_lost_at,
        sum(case when won_at is not null then amount end) as won_amount,
        max(case when is_reopened then 1 else 0 end) = 1 as has_reopened_opportunity,
        max(case when won_at is not null and conversion_rate_source = 'missing' then 1 else 0 end) = 1
            as has_missing_exchange_rate
    from ranked_opportunities
    group by person_id

),

pipeline_opportunity as (

    select
        ranked_opportunities.person_id,
        ranked_opportunities.opportunity_id as primary_opportunity_id,
        ranked_opportunities.pipeline_at,
        coalesce(departments.department, 'Unassigned') as pipeline_owner_department
    from ranked_opportunities
    left join departments
        on {{ user_department_at('departments', 'ranked_opportunities.owner_user_id', 'ranked_opportunities.pipeline_at') }}
    where ranked_opportunities.pipeline_rank = 1

),

won_opportunity as (

    select
        ranked_opportunities.person_id,
        ranked_opportunities.amount_local as first_won_amount_local,
        ranked_opportunities.currency_code as first_won_currency_code,
        ranked_opportunities.conversion_rate_source as first_won_conversion_rate_source,
        coalesce(departments.department, 'Unassigned') as won_owner_department
    from ranked_opportunities
    left join departments
        on {{ user_department_at('departments', 'ranked_opportunities.owner_user_id', 'ranked_opportunities.won_at') }}
    where
        ranked_opportunities.won_rank = 1
        and ranked_opportunities.won_at is not null

),

persons as (

    select person_id from activity_milestones
    union
    select person_id from opportunity_rollup

),

final as (

    select
        persons.person_id,
        activity_milestones.handled_at,
        activity_milestones.handled_by_department,
        activity_milestones.appointment_at,
        activity_milestones.appointment_by_department,
        pipeline_opportunity.primary_opportunity_id,
        pipeline_opportunity.pipeline_at,
        case when pipeline_opportunity.pipeline_at is not null then pipeline_opportunity.pipeline_owner_department end
            as pipeline_owner_department,
        opportunity_rollup.won_at,
        won_opportunity.won_owner_department,
        -- lost only when nothing was won and no opportunity is still open
        case
            when opportunity_rollup.won_at is null and opportunity_rollup.open_opportunity_count = 0
                then opportunity_rollup.last_lost_at
        end as lost_at,
        opportunity_rollup.won_amount,
        won_opportunity.first_won_amount_local,
        won_opportunity.first_won_currency_code,
        won_opportunity.first_won_conversion_rate_source,
        coalesce(opportunity_rollup.opportunity_count, 0) as opportunity_count,
        coalesce(opportunity_rollup.won_opportunity_count, 0) as won_opportunity_count,
        coalesce(opportunity_rollup.has_reopened_opportunity, false) as has_reopened_opportunity,
        coalesce(opportunity_rollup.has_missing_exchange_rate, false) as has_missing_exchange_rate
    from persons
    left join activity_milestones
        on persons.person_id = activity_milestones.person_id
    left join opportunity_rollup
        on persons.person_id = opportunity_rollup.person_id
    left join pipeline_opportunity
        on persons.person_id = pipeline_opportunity.person_id
    left join won_opportunity
        on persons.person_id = won_opportunity.person_id

)

select * from final

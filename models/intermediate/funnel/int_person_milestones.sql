{#
    One row per person who reached at least one milestone after the lead or
    has an opportunity: the first time they reached each stage (the pivot of
    int_person_stages, which holds the ordering rules), the department
    responsible there, the won amount summed over all their won deals in
    corporate currency (the first deal's in its own currency), and their
    opportunities' roll-up (counts, lost, reopened, missing exchange rate).
#}
with

person_stages as (

    select * from {{ ref('revenue_funnel', 'int_person_stages') }}

),

opportunities as (

    select * from {{ ref('revenue_funnel', 'int_opportunity_outcomes') }}
    where person_id is not null

),

first_reaches as (

    select
        person_id,
        min(case when funnel_stage = 'handled' then reached_at end) as handled_at,
        max(case when funnel_stage = 'handled' then responsible_department end) as handled_by_department,
        min(case when funnel_stage = 'appointment' then reached_at end) as appointment_at,
        max(case when funnel_stage = 'appointment' then responsible_department end) as appointment_by_department,
        max(case when funnel_stage = 'pipeline' then opportunity_id end) as pipeline_opportunity_id,
        min(case when funnel_stage = 'pipeline' then reached_at end) as pipeline_at,
        max(case when funnel_stage = 'pipeline' then responsible_department end) as pipeline_owner_department,
        min(case when funnel_stage = 'won' then reached_at end) as won_at,
        max(case when funnel_stage = 'won' then responsible_department end) as won_owner_department,
        max(case when funnel_stage = 'won' then won_amount_local end) as first_won_amount_local,
        max(case when funnel_stage = 'won' then currency_code end) as first_won_currency_code,
        max(case when funnel_stage = 'won' then conversion_rate_source end) as first_won_conversion_rate_source
    from person_stages
    where reach_sequence = 1
    group by person_id

),

-- a person with no opportunity in pipeline is shown with their earliest-created one
earliest_opportunities as (

    select
        person_id,
        opportunity_id,
        row_number() over (partition by person_id order by created_at, opportunity_id) as created_rank
    from opportunities

),

opportunity_rollup as (

    select
        person_id,
        count(*) as opportunity_count,
        count(case when won_at is not null then 1 end) as won_opportunity_count,
        -- an opportunity without a (mapped) current stage is still open
        count(case when coalesce(funnel_stage_as_of, 'open') not in ('won', 'lost') then 1 end)
            as open_opportunity_count,
        max(lost_at) as last_lost_at,
        sum(case when won_at is not null then amount end) as won_amount,
        max(case when is_reopened then 1 else 0 end) = 1 as has_reopened_opportunity,
        max(case when won_at is not null and conversion_rate_source = 'missing' then 1 else 0 end) = 1
            as has_missing_exchange_rate
    from opportunities
    group by person_id

),

persons as (

    select person_id from first_reaches
    union
    select person_id from opportunity_rollup

),

final as (

    select
        persons.person_id,
        first_reaches.handled_at,
        first_reaches.handled_by_department,
        first_reaches.appointment_at,
        first_reaches.appointment_by_department,
        coalesce(first_reaches.pipeline_opportunity_id, earliest_opportunities.opportunity_id)
            as primary_opportunity_id,
        first_reaches.pipeline_at,
        first_reaches.pipeline_owner_department,
        first_reaches.won_at,
        first_reaches.won_owner_department,
        -- lost only when nothing was won and no opportunity is still open
        case
            when first_reaches.won_at is null and opportunity_rollup.open_opportunity_count = 0
                then opportunity_rollup.last_lost_at
        end as lost_at,
        opportunity_rollup.won_amount,
        first_reaches.first_won_amount_local,
        first_reaches.first_won_currency_code,
        first_reaches.first_won_conversion_rate_source,
        -- null without an opportunity: fct_funnel_leads fills in 0 / false for every lead
        opportunity_rollup.opportunity_count,
        opportunity_rollup.won_opportunity_count,
        opportunity_rollup.has_reopened_opportunity,
        opportunity_rollup.has_missing_exchange_rate
    from persons
    left join first_reaches
        on persons.person_id = first_reaches.person_id
    left join opportunity_rollup
        on persons.person_id = opportunity_rollup.person_id
    left join earliest_opportunities
        on persons.person_id = earliest_opportunities.person_id
            and earliest_opportunities.created_rank = 1

)

select * from final

-- The won amount of the whole funnel over all periods equals the sum of the
-- corporate amounts of the won opportunities of the persons in the funnel.
with

periods as (

    select sum(won_amount) as period_won_amount
    from {{ ref('revenue_funnel', 'fct_funnel_periods') }}
    where breakdown_dimension = 'total'

),

included_persons as (

    select person_id
    from {{ ref('revenue_funnel', 'fct_funnel_leads') }}
    where not is_excluded

    union

    -- persons who entered as a contact are only in the stage events
    select person_id
    from {{ ref('revenue_funnel', 'fct_funnel_stage_events') }}
    where entry_point = 'contact'

),

opportunities as (

    select sum(outcomes.amount) as opportunity_won_amount
    from {{ ref('revenue_funnel', 'int_opportunity_outcomes') }} as outcomes
    inner join included_persons
        on outcomes.person_id = included_persons.person_id
    where outcomes.won_at is not null

)

select
    periods.period_won_amount,
    opportunities.opportunity_won_amount
from periods
cross join opportunities
where abs(coalesce(periods.period_won_amount, 0) - coalesce(opportunities.opportunity_won_amount, 0))
    > 1e-6 * (1 + abs(coalesce(opportunities.opportunity_won_amount, 0)))

-- Spreading a campaign's cost over its active days neither creates nor loses
-- money: the periods of a campaign add up to dim_campaigns.cost_amount, and
-- the accrued part never exceeds it.
-- It checks a private re-grain of the attribution group, so it belongs to that group.
{{ config(group='attribution') }}
with

campaigns as (

    select * from {{ ref('revenue_funnel', 'dim_campaigns') }}
    where
        cost_amount is not null
        and coalesce(start_date, end_date) is not null

),

spread as (

    select
        campaign_id,
        sum(cost_amount) as spread_cost_amount,
        sum(accrued_cost_amount) as accrued_cost_amount
    from {{ ref('revenue_funnel', 'fct_campaign_period_costs') }}
    group by campaign_id

)

select
    campaigns.campaign_id,
    campaigns.cost_amount,
    spread.spread_cost_amount,
    spread.accrued_cost_amount
from campaigns
left join spread
    on campaigns.campaign_id = spread.campaign_id
where
    not abs(coalesce(spread.spread_cost_amount, 0) - campaigns.cost_amount) <= 1e-6 * (1 + abs(campaigns.cost_amount))
    or spread.accrued_cost_amount > spread.spread_cost_amount + 1e-6 * (1 + abs(campaigns.cost_amount))

{#
    One row per campaign with a cost and period (funnel_period_grain) the
    campaign is active in: the campaign's cost (dim_campaigns.cost_amount,
    actual else budgeted, corporate currency) spread evenly over its active
    days, start and end date included, and summed into the period; and the
    part of it accrued by the as-of date (active days up to it). A campaign
    with only one of its dates is spread over that one day; an end before the
    start counts as the start day only. Campaigns with no cost or no date
    have no row.
#}
{%- set grain = funnel_period_grain() -%}

with

campaigns as (

    select * from {{ ref('revenue_funnel', 'dim_campaigns') }}

),

as_of as (

    select * from {{ ref('revenue_funnel', 'int_as_of_date') }}

),

spread_ranges as (

    select
        campaign_id,
        cost_amount,
        coalesce(start_date, end_date) as spread_start_date,
        case
            when end_date >= coalesce(start_date, end_date) then end_date
            else coalesce(start_date, end_date)
        end as spread_end_date
    from campaigns
    where
        cost_amount is not null
        and coalesce(start_date, end_date) is not null

),

spread_lengths as (

    select
        *,
        {{ dbt.datediff('spread_start_date', 'spread_end_date', 'day') }} + 1 as spread_days
    from spread_ranges

),

bounds as (

    select
        min(spread_start_date) as first_date,
        max(spread_end_date) as last_date
    from spread_lengths

),

days as (

    {{ day_spine('bounds', 'bounds.first_date', 'bounds.last_date') }}

),

campaign_days as (

    select
        spread_lengths.campaign_id,
        spread_lengths.cost_amount,
        spread_lengths.spread_days,
        days.date_day,
        cast({{ dbt.date_trunc(grain, 'days.date_day') }} as date) as period_start_date
    from spread_lengths
    inner join days
        on
            spread_lengths.spread_start_date <= days.date_day
            and spread_lengths.spread_end_date >= days.date_day

),

final as (

    select
        campaign_days.campaign_id,
        campaign_days.period_start_date,
        max(campaign_days.spread_days) as spread_days,
        count(*) as active_days_in_period,
        count(case when campaign_days.date_day <= as_of.as_of_date then 1 end) as accrued_days_in_period,
        {{ safe_divide('max(campaign_days.cost_amount) * count(*)', 'max(campaign_days.spread_days)') }}
            as cost_amount,
        {{ safe_divide(
            'max(campaign_days.cost_amount) * count(case when campaign_days.date_day <= as_of.as_of_date then 1 end)',
            'max(campaign_days.spread_days)'
        ) }} as accrued_cost_amount
    from campaign_days
    cross join as_of
    group by
        campaign_days.campaign_id,
        campaign_days.period_start_date

)

select * from final

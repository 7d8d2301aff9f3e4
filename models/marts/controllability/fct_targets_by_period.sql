{#
    Monthly targets spread evenly over the days of their month and summed
    into the periods of funnel_period_grain, so a quarter gets the sum of its
    months and a week its share of each month it touches (exact for months).
    Department targets (seed department_targets) and the company revenue
    target, the KGI (seed revenue_targets, target_owner = 'KGI'), in one place.
#}
with

department_targets as (

    select * from {{ config_table('department_targets') }}

),

revenue_targets as (

    select * from {{ config_table('revenue_targets') }}

),

calendar as (

    select * from {{ ref('revenue_funnel', 'dim_calendar') }}

),

monthly_targets as (

    select
        department as target_owner,
        kpi_stage,
        target_month,
        target_value
    from department_targets

    union all

    select
        'KGI' as target_owner,
        'won_amount' as kpi_stage,
        target_month,
        revenue_target_amount as target_value
    from revenue_targets

),

month_lengths as (

    select
        month_start_date,
        count(*) as days_in_month
    from calendar
    group by month_start_date

),

daily_targets as (

    select
        monthly_targets.target_owner,
        monthly_targets.kpi_stage,
        calendar.period_start_date,
        monthly_targets.target_value / month_lengths.days_in_month as daily_target_value
    from monthly_targets
    inner join month_lengths
        on monthly_targets.target_month = month_lengths.month_start_date
    inner join calendar
        on monthly_targets.target_month = calendar.month_start_date
    -- a period that starts before the calendar does is only partly covered: leave it out
    where calendar.period_start_date >= (select min(first_day.date_day) from calendar as first_day)

),

final as (

    select
        target_owner,
        kpi_stage,
        period_start_date,
        sum(daily_target_value) as target_value,
        count(*) as target_days
    from daily_targets
    group by target_owner, kpi_stage, period_start_date

)

select * from final

{#
    One row per department and month: the KPI assigned to the department on
    the first day of that month (seed department_kpi_assignments), its actual,
    its target (seed department_targets), attainment, and for the month of
    the as-of date the pacing against a straight-line daily target. Marketing
    and Inside Sales can hold the same stage at once: kpi_holder_count > 1
    marks a shared KPI.
#}

with

stage_events as (

    select * from {{ ref('revenue_funnel', 'fct_funnel_stage_events') }}

),

assignments as (

    select * from {{ config_table('department_kpi_assignments') }}

),

targets as (

    select * from {{ config_table('department_targets') }}

),

calendar as (

    select * from {{ ref('revenue_funnel', 'dim_calendar') }}

),

as_of as (

    select * from {{ ref('revenue_funnel', 'int_as_of_date') }}

),

months as (

    select distinct calendar.month_start_date
    from calendar
    where
        calendar.is_on_or_before_as_of
        and calendar.date_day >= (select min(stage_events.reached_date) from stage_events)

),

monthly_actuals as (

    select
        cast({{ dbt.date_trunc('month', 'reached_at') }} as date) as month_start_date,
        funnel_stage as kpi_stage,
        cast(count(*) as {{ type_double() }}) as actual_value
    from stage_events
    group by 1, 2

    union all

    select
        cast({{ dbt.date_trunc('month', 'reached_at') }} as date) as month_start_date,
        'won_amount' as kpi_stage,
        sum(won_amount) as actual_value
    from stage_events
    where funnel_stage = 'won'
    group by 1, 2

),

assigned as (

    select
        assignments.department,
        assignments.kpi_stage,
        months.month_start_date,
        count(*) over (partition by assignments.kpi_stage, months.month_start_date) as kpi_holder_count
    from assignments
    inner join months
        on months.month_start_date between assignments.valid_from and assignments.valid_to

),

measured as (

    select
        assigned.department,
        assigned.kpi_stage,
        assigned.month_start_date,
        assigned.kpi_holder_count,
        coalesce(monthly_actuals.actual_value, 0) as actual_value,
        targets.target_value,
        -- days of the month that are behind us on the as-of date
        least(
            {{ dbt.datediff('assigned.month_start_date', 'as_of.as_of_date', 'day') }} + 1,
            {{ dbt.datediff('assigned.month_start_date', dbt.dateadd('month', 1, 'assigned.month_start_date'), 'day') }}
        ) as elapsed_days,
        {{ dbt.datediff('assigned.month_start_date', dbt.dateadd('month', 1, 'assigned.month_start_date'), 'day') }}
            as days_in_month
    from assigned
    cross join as_of
    left join monthly_actuals
        on assigned.month_start_date = monthly_actuals.month_start_date
            and assigned.kpi_stage = monthly_actuals.kpi_stage
    left join targets
        on assigned.department = targets.department
            and assigned.kpi_stage = targets.kpi_stage
            and assigned.month_start_date = targets.target_month

),

final as (

    select
        department,
        month_start_date,
        kpi_stage,
        kpi_holder_count,
        kpi_holder_count > 1 as is_shared_kpi,
        actual_value,
        target_value,
        {{ safe_divide('actual_value', 'target_value') }} as attainment_rate,
        elapsed_days,
        days_in_month,
        elapsed_days = days_in_month as is_complete_month,
        target_value * elapsed_days / days_in_month as target_to_date_value,
        {{ safe_divide('actual_value', 'target_value * elapsed_days / days_in_month') }} as pacing_rate,
        {{ safe_divide('actual_value * days_in_month', 'elapsed_days') }} as projected_value
    from measured

)

select * from final

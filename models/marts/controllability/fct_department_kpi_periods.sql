{#
    A department's KPI against its target, at every grain the project reports:
    the calendar month (fct_department_kpis is this model's month rows) and the
    funnel's period grain (var funnel_period_grain; the same rows when it is
    month), which the readiness record and the gap attribution read. One row per
    grain, department and period in which the department holds a KPI on the
    first day of the period (seed department_kpi_assignments): the KPI, its
    actual in the period view (company-wide, so departments sharing a KPI see
    the same actual), its target, attainment, and the pacing of a period still
    running on the as-of date against a straight-line daily target.
#}
{%- set funnel_grain = funnel_period_grain() -%}
{#- the column of dim_calendar that holds each grain's period start -#}
{%- set grain_columns = {'month': 'month_start_date'} -%}
{%- do grain_columns.update({funnel_grain: 'period_start_date'}) -%}

with

stage_events as (

    select * from {{ ref('revenue_funnel', 'fct_funnel_stage_events') }}

),

assignments as (

    select * from {{ config_table('department_kpi_assignments') }}

),

monthly_targets as (

    select * from {{ config_table('department_targets') }}

),

period_targets as (

    select * from {{ ref('revenue_funnel', 'fct_targets_by_period') }}
    where target_owner != 'KGI'

),

calendar as (

    select * from {{ ref('revenue_funnel', 'dim_calendar') }}

),

as_of as (

    select * from {{ ref('revenue_funnel', 'int_as_of_date') }}

),

periods as (

    {%- for grain, column in grain_columns.items() %}
        select
            '{{ grain }}' as period_grain,
            grain_periods.start_date as period_start_date,
            {{ dbt.datediff('grain_periods.start_date', dbt.dateadd(grain, 1, 'grain_periods.start_date'), 'day') }}
                as days_in_period
        from (
            select distinct calendar.{{ column }} as start_date
            from calendar
            where
                calendar.is_on_or_before_as_of
                and calendar.date_day >= (select min(stage_events.reached_date) from stage_events)
        ) as grain_periods
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}

),

-- each stage counted in the period it was reached (a won deal each), and the won amount
actuals as (

    {%- for grain in grain_columns %}
        select
            '{{ grain }}' as period_grain,
            cast({{ dbt.date_trunc(grain, 'reached_at') }} as date) as period_start_date,
            funnel_stage as kpi_stage,
            cast(count(*) as {{ type_double() }}) as actual_value
        from stage_events
        group by 1, 2, 3

        union all

        select
            '{{ grain }}' as period_grain,
            cast({{ dbt.date_trunc(grain, 'reached_at') }} as date) as period_start_date,
            'won_amount' as kpi_stage,
            sum(won_amount) as actual_value
        from stage_events
        where funnel_stage = 'won'
        group by 1, 2, 3
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}

),

-- a month's target as set; another grain's spread by day (fct_targets_by_period)
targets as (

    select
        'month' as period_grain,
        department,
        kpi_stage,
        target_month as period_start_date,
        target_value
    from monthly_targets

    union all

    select
        '{{ funnel_grain }}' as period_grain,
        target_owner as department,
        kpi_stage,
        period_start_date,
        target_value
    from period_targets
    -- a monthly funnel grain takes the months' own targets above
    where '{{ funnel_grain }}' != 'month'

),

assigned as (

    select
        periods.period_grain,
        assignments.department,
        assignments.kpi_stage,
        assignments.valid_from as assigned_from,
        periods.period_start_date,
        periods.days_in_period,
        count(*) over (
            partition by periods.period_grain, assignments.kpi_stage, periods.period_start_date
        ) as kpi_holder_count
    from assignments
    inner join periods
        on periods.period_start_date between assignments.valid_from and assignments.valid_to

),

measured as (

    select
        assigned.period_grain,
        assigned.department,
        assigned.period_start_date,
        assigned.kpi_stage,
        assigned.assigned_from,
        assigned.kpi_holder_count,
        coalesce(actuals.actual_value, 0) as actual_value,
        targets.target_value,
        assigned.days_in_period,
        as_of.as_of_date
    from assigned
    cross join as_of
    left join actuals
        on assigned.period_grain = actuals.period_grain
            and assigned.period_start_date = actuals.period_start_date
            and assigned.kpi_stage = actuals.kpi_stage
    left join targets
        on assigned.period_grain = targets.period_grain
            and assigned.department = targets.department
            and assigned.kpi_stage = targets.kpi_stage
            and assigned.period_start_date = targets.period_start_date

),

paced as (

    select
        *,
        -- days of the period that are behind us on the as-of date
        least({{ dbt.datediff('period_start_date', 'as_of_date', 'day') }} + 1, days_in_period) as elapsed_days
    from measured

),

final as (

    select
        period_grain,
        department,
        period_start_date,
        kpi_stage,
        assigned_from,
        kpi_holder_count,
        kpi_holder_count > 1 as is_shared_kpi,
        elapsed_days = days_in_period as is_complete_period,
        actual_value,
        target_value,
        {{ safe_divide('actual_value', 'target_value') }} as attainment_rate,
        actual_value >= target_value as is_target_met,
        elapsed_days,
        days_in_period,
        target_value * elapsed_days / days_in_period as target_to_date_value,
        {{ safe_divide('actual_value', 'target_value * elapsed_days / days_in_period') }} as pacing_rate,
        {{ safe_divide('actual_value * days_in_period', 'elapsed_days') }} as projected_value
    from paced

)

select * from final

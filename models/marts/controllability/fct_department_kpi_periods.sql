{#
    One row per department and period (funnel_period_grain) with the KPI the
    department held on the first day of the period, its actual in the period
    view, its target spread onto the period, and whether the target was met.
    The readiness record and the gap attribution read it.
#}
with

stage_periods as (

    select * from {{ ref('revenue_funnel', 'fct_kpi_stage_periods') }}
    -- the period view: the actuals as counted in each period (the cohort view is for the shares)
    where conversion_view = 'period'

),

periods as (

    select distinct
        period_start_date,
        is_complete_period
    from stage_periods

),

assignments as (

    select * from {{ config_table('department_kpi_assignments') }}

),

targets as (

    select * from {{ ref('revenue_funnel', 'fct_targets_by_period') }}

),

assigned as (

    select
        assignments.department,
        assignments.kpi_stage,
        assignments.valid_from as assigned_from,
        periods.period_start_date,
        periods.is_complete_period,
        actuals.kpi_value as actual_value
    from assignments
    inner join periods
        on periods.period_start_date between assignments.valid_from and assignments.valid_to
    left join stage_periods as actuals
        on periods.period_start_date = actuals.period_start_date
            and assignments.kpi_stage = actuals.kpi_stage

),

final as (

    select
        assigned.department,
        assigned.period_start_date,
        assigned.kpi_stage,
        assigned.assigned_from,
        assigned.is_complete_period,
        assigned.actual_value,
        targets.target_value,
        {{ safe_divide('assigned.actual_value', 'targets.target_value') }} as attainment_rate,
        assigned.actual_value >= targets.target_value as is_target_met
    from assigned
    left join targets
        on assigned.department = targets.target_owner
            and assigned.kpi_stage = targets.kpi_stage
            and assigned.period_start_date = targets.period_start_date

)

select * from final

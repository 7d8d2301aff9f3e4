{#
    The article's controllability table as numbers: for every department,
    candidate KPI (lead, appointment, pipeline, won, won_amount) and window
    end period, how much of the KPI the department controls.
    Structural: owned factors / factors in the KPI, and how many other
    departments' factors enter it (inheritance depth). Empirical: the sum of
    the variance shares (fct_kpi_controllability_factors) of the factors the
    department owns; the rest is inherited. is_assigned_kpi marks the KPI the
    department actually held in that period (seed department_kpi_assignments).
#}
with

factor_shares as (

    select * from {{ ref('revenue_funnel', 'fct_kpi_controllability_factors') }}

),

factors as (

    select * from {{ config_table('funnel_factors') }}

),

assignments as (

    select * from {{ config_table('department_kpi_assignments') }}

),

departments as (

    select owner_department as department from factors
    union
    select department from assignments

),

kpi_windows as (

    -- the same for every factor of a KPI and window; min() picks one value
    select
        window_end_period_start_date,
        kpi_stage,
        min(window_start_period_start_date) as window_start_period_start_date,
        min(window_periods_count) as window_periods_count,
        min(periods_used_count) as periods_used_count,
        min(periods_excluded_count) as periods_excluded_count,
        min(log_kpi_variance) as log_kpi_variance
    from factor_shares
    group by window_end_period_start_date, kpi_stage

),

department_parts as (

    select
        departments.department,
        factor_shares.window_end_period_start_date,
        factor_shares.kpi_stage,
        count(*) as kpi_factors_count,
        count(case when factor_shares.owner_department = departments.department then 1 end) as owned_factors_count,
        count(distinct case
            when factor_shares.owner_department != departments.department then factor_shares.owner_department
        end) as inheritance_depth,
        -- null as soon as one share is null (too few usable periods, or a constant KPI)
        case
            when count(factor_shares.variance_share) = count(*)
                then sum(case
                        when factor_shares.owner_department = departments.department then factor_shares.variance_share
                        else 0
                    end)
        end as controllable_share
    from departments
    cross join factor_shares
    group by departments.department, factor_shares.window_end_period_start_date, factor_shares.kpi_stage

),

assigned as (

    select distinct
        assignments.department,
        assignments.kpi_stage,
        kpi_windows.window_end_period_start_date
    from assignments
    inner join kpi_windows
        on assignments.kpi_stage = kpi_windows.kpi_stage
            and kpi_windows.window_end_period_start_date between assignments.valid_from and assignments.valid_to

),

final as (

    select
        department_parts.department,
        department_parts.kpi_stage,
        department_parts.window_end_period_start_date,
        kpi_windows.window_start_period_start_date,
        department_parts.kpi_factors_count,
        department_parts.owned_factors_count,
        {{ safe_divide('department_parts.owned_factors_count', 'department_parts.kpi_factors_count') }}
            as structural_controllability,
        department_parts.inheritance_depth,
        department_parts.controllable_share,
        1 - department_parts.controllable_share as inherited_share,
        kpi_windows.log_kpi_variance,
        kpi_windows.window_periods_count,
        kpi_windows.periods_used_count,
        kpi_windows.periods_excluded_count,
        assigned.department is not null as is_assigned_kpi
    from department_parts
    inner join kpi_windows
        on department_parts.window_end_period_start_date = kpi_windows.window_end_period_start_date
            and department_parts.kpi_stage = kpi_windows.kpi_stage
    left join assigned
        on department_parts.department = assigned.department
            and department_parts.kpi_stage = assigned.kpi_stage
            and department_parts.window_end_period_start_date = assigned.window_end_period_start_date

)

select * from final

{#
    The article's controllability table as numbers: for every department,
    candidate KPI (lead, appointment, pipeline, won, won_amount), conversion view
    and window end period, how much of the KPI the department controls.
    Structural: owned factors / factors in the KPI, and how many other
    departments' factors enter it (inheritance depth). Empirical: the
    department's share of the KPI's variance, Cov(sum of its factors' logs,
    log N_k) / Var(log N_k), which is exactly the sum of the variance shares of
    the factors it owns (fct_kpi_controllability_factors, measured on the same
    window periods); the rest is inherited. The share is split into what
    counting noise alone would give (chance) and the rest (systematic), with a
    jackknife standard error (macro window_variance_shares). is_assigned_kpi
    marks the KPI the department actually held in that period (seed
    department_kpi_assignments).
#}
{%- set min_periods = validated_var('controllability_min_periods', type='integer') -%}
{%- set z = validated_var('controllability_share_z', type='number') -%}

with

window_periods as (

    select * from {{ ref('revenue_funnel', 'fct_kpi_window_periods') }}

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

kpi_structure as (

    -- the chain of KPI k is the factors up to k's own (factor_order)
    select
        departments.department,
        kpis.kpi_stage,
        count(*) as kpi_factors_count,
        count(case when chain_factors.owner_department = departments.department then 1 end) as owned_factors_count,
        count(distinct case
            when chain_factors.owner_department != departments.department then chain_factors.owner_department
        end) as inheritance_depth
    from departments
    cross join factors as kpis
    inner join factors as chain_factors
        on kpis.factor_order >= chain_factors.factor_order
    group by departments.department, kpis.kpi_stage

),

department_periods as (

    -- per period, the sum of the logs of the factors the department owns (0 when none)
    select
        departments.department,
        window_periods.conversion_view,
        window_periods.window_end_period_start_date,
        window_periods.kpi_stage,
        window_periods.period_start_date,
        max(case when window_periods.is_usable_period then 1 else 0 end) = 1 as is_usable_period,
        case when max(case when window_periods.is_usable_period then 1 else 0 end) = 1
                then sum(case
                        when window_periods.owner_department = departments.department then window_periods.log_factor
                        else 0
                    end)
        end as x,
        max(window_periods.log_kpi) as y,
        case when max(case when window_periods.is_usable_period then 1 else 0 end) = 1
                then coalesce(sum(case
                        when window_periods.owner_department = departments.department
                            then window_periods.chance_variance
                    end), 0)
        end as chance_variance
    from departments
    cross join window_periods
    group by
        departments.department,
        window_periods.conversion_view,
        window_periods.window_end_period_start_date,
        window_periods.kpi_stage,
        window_periods.period_start_date

),

kpi_period_chance as (

    select
        conversion_view,
        window_end_period_start_date,
        kpi_stage,
        period_start_date,
        sum(chance_variance) as chance_variance
    from window_periods
    where is_usable_period
    group by conversion_view, window_end_period_start_date, kpi_stage, period_start_date

),

kpi_chance as (

    select
        conversion_view,
        window_end_period_start_date,
        kpi_stage,
        avg(chance_variance) as kpi_chance_variance
    from kpi_period_chance
    group by conversion_view, window_end_period_start_date, kpi_stage

),

{{ window_variance_shares(
    'department_periods',
    ['department', 'conversion_view', 'window_end_period_start_date', 'kpi_stage'],
    min_periods,
    z
) }},

assigned as (

    select distinct
        assignments.department,
        assignments.kpi_stage,
        window_shares.conversion_view,
        window_shares.window_end_period_start_date
    from assignments
    inner join window_shares
        on assignments.department = window_shares.department
            and assignments.kpi_stage = window_shares.kpi_stage
            and window_shares.window_end_period_start_date between assignments.valid_from and assignments.valid_to

),

final as (

    select
        window_shares.department,
        window_shares.kpi_stage,
        window_shares.conversion_view,
        window_shares.window_end_period_start_date,
        window_shares.window_start_period_start_date,
        kpi_structure.kpi_factors_count,
        kpi_structure.owned_factors_count,
        {{ safe_divide('kpi_structure.owned_factors_count', 'kpi_structure.kpi_factors_count') }}
            as structural_controllability,
        kpi_structure.inheritance_depth,
        window_shares.variance_share as controllable_share,
        1 - window_shares.variance_share as inherited_share,
        window_shares.chance_share as controllable_chance_share,
        window_shares.variance_share - window_shares.chance_share as controllable_systematic_share,
        window_shares.share_standard_error as controllable_share_standard_error,
        window_shares.is_share_indistinguishable_from_zero,
        window_shares.is_share_indistinguishable_from_one,
        case
            when window_shares.variance_share is not null
                then {{ safe_divide('kpi_chance.kpi_chance_variance', 'window_shares.y_variance') }}
        end as kpi_chance_share,
        window_shares.y_variance as log_kpi_variance,
        window_shares.window_periods_count,
        window_shares.periods_used_count,
        window_shares.periods_excluded_count,
        assigned.department is not null as is_assigned_kpi
    from window_shares
    inner join kpi_structure
        on window_shares.department = kpi_structure.department
            and window_shares.kpi_stage = kpi_structure.kpi_stage
    left join kpi_chance
        on window_shares.conversion_view = kpi_chance.conversion_view
            and window_shares.window_end_period_start_date = kpi_chance.window_end_period_start_date
            and window_shares.kpi_stage = kpi_chance.kpi_stage
    left join assigned
        on window_shares.department = assigned.department
            and window_shares.kpi_stage = assigned.kpi_stage
            and window_shares.conversion_view = assigned.conversion_view
            and window_shares.window_end_period_start_date = assigned.window_end_period_start_date

)

select * from final

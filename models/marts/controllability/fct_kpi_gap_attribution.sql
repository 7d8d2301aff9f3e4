{#
    Who moved the miss: for each department, period and the KPI it held, the
    gap between actual and plan split into the factors of the KPI chain,
        log(N_k / plan_k) = sum_i log(f_i / p_i),
    one row per factor, each owned by a department (seed funnel_factors), in
    both conversion views: period (the stages counted in the period) and
    cohort (the leads created in the period and the stages they reached
    within the cohort window; complete once mature).
    The plan of each stage comes from its target where one exists (seed
    department_targets, spread onto the period; targets are period counts, so
    the cohort view takes only the lead target: a cohort's leads are its
    period's leads), otherwise from the plan of the previous stage times that
    factor's trailing baseline (geometric mean over the last
    plan_baseline_periods complete periods of the view); lead volume without
    a target uses its own baseline. The log parts are also expressed in KPI
    units (gap_part_in_kpi_units), proportionally to their logs, so that they
    add up to actual - plan: "of the 40 missing deals, 25 came from lead volume".
#}
{%- set baseline_periods = validated_var('plan_baseline_periods', type='integer') -%}

with

stage_periods as (

    select * from {{ ref('revenue_funnel', 'fct_kpi_stage_periods') }}

),

targets as (

    select * from {{ ref('revenue_funnel', 'fct_targets_by_period') }}
    where target_owner != 'KGI'

),

kpi_periods as (

    select * from {{ ref('revenue_funnel', 'fct_department_kpi_periods') }}
    where period_grain = '{{ funnel_period_grain() }}'

),

factors as (

    select * from {{ config_table('funnel_factors') }}

),

stage_targets as (

    -- departments sharing a stage share its target; if they differ, the mean
    select
        period_start_date,
        kpi_stage,
        avg(target_value) as stage_target
    from targets
    group by period_start_date, kpi_stage

),

-- the chain of seed funnel_factors in every period: each link's actual and
-- its log, and the log of the factor entering it (the link over the one before)
chain as (

    select
        stage_periods.conversion_view,
        stage_periods.period_start_date,
        stage_periods.is_complete_period,
        factors.factor_order,
        factors.kpi_stage,
        factors.denominator_stage is null as is_first_link,
        stage_periods.kpi_value as stage_actual,
        {{ safe_ln('stage_periods.kpi_value') }} as stage_log,
        stage_targets.stage_target
    from stage_periods
    inner join factors
        on stage_periods.kpi_stage = factors.kpi_stage
    left join stage_targets
        on stage_periods.period_start_date = stage_targets.period_start_date
            and stage_periods.kpi_stage = stage_targets.kpi_stage
            -- a target counts a period's stage; a cohort shares only its leads with its period
            and (stage_periods.conversion_view = 'period' or factors.denominator_stage is null)

),

logged as (

    select
        *,
        case
            when is_first_link then stage_log
            else stage_log - lag(stage_log) over chain_order
        end as log_factor_actual
    from chain
    window chain_order as (partition by conversion_view, period_start_date order by factor_order)

),

-- the trailing baseline of a factor: its geometric mean over the last
-- plan_baseline_periods complete periods, only once the whole window has
-- history (no plan from ramp-up months)
baselines as (

    select
        *,
        case
            when count(case when is_complete_period then log_factor_actual end) over trailing_window
                = {{ baseline_periods }}
                then avg(case when is_complete_period then log_factor_actual end) over trailing_window
        end as baseline_log_factor
    from logged
    window trailing_window as (
        partition by conversion_view, factor_order
        order by period_start_date
        rows between {{ baseline_periods }} preceding and 1 preceding
    )

),

-- a link's plan is its target where one exists, else the plan of the link
-- before times the factor's baseline: the target of the nearest link at or
-- before it (the anchor) times the baselines of the factors since, or the
-- product of every baseline from lead volume on when no link has a target
anchored as (

    select
        *,
        max(case when stage_target is not null then factor_order end) over chain_so_far as anchor_order,
        sum(baseline_log_factor) over chain_so_far as cumulative_baseline_log,
        count(baseline_log_factor) over chain_so_far as known_baselines_count,
        count(*) over chain_so_far as links_count
    from baselines
    window chain_so_far as (
        partition by conversion_view, period_start_date
        order by factor_order
        rows between unbounded preceding and current row
    )

),

planned as (

    select
        link.conversion_view,
        link.period_start_date,
        link.is_complete_period,
        link.factor_order,
        link.kpi_stage,
        link.is_first_link,
        link.stage_actual,
        link.stage_log,
        case when link.stage_target is not null then 'target' else 'baseline' end as plan_source,
        case
            when link.stage_target is not null then link.stage_target
            -- a missing baseline on the way leaves the link without a plan
            when link.anchor_order is null and link.known_baselines_count = link.links_count
                then exp(link.cumulative_baseline_log)
            when link.known_baselines_count - anchor.known_baselines_count = link.links_count - anchor.links_count
                then anchor.stage_target * exp(link.cumulative_baseline_log - anchor.cumulative_baseline_log)
        end as stage_plan
    from anchored as link
    left join anchored as anchor
        on link.conversion_view = anchor.conversion_view
            and link.period_start_date = anchor.period_start_date
            and link.anchor_order = anchor.factor_order

),

-- log(actual / plan) of each factor: the link's log gap minus the previous link's
factor_parts as (

    select
        conversion_view,
        period_start_date,
        is_complete_period,
        factor_order,
        kpi_stage,
        plan_source,
        stage_actual as kpi_actual,
        stage_plan as kpi_plan,
        case
            when is_first_link then stage_actual
            else {{ safe_divide('stage_actual', 'lag(stage_actual) over chain_order') }}
        end as factor_actual,
        case
            when is_first_link then stage_plan
            else {{ safe_divide('stage_plan', 'lag(stage_plan) over chain_order') }}
        end as factor_plan,
        case
            when is_first_link then stage_log - {{ safe_ln('stage_plan') }}
            else (stage_log - lag(stage_log) over chain_order)
                - ({{ safe_ln('stage_plan') }} - lag({{ safe_ln('stage_plan') }}) over chain_order)
        end as log_gap_part
    from planned
    window chain_order as (partition by conversion_view, period_start_date order by factor_order)

),

department_parts as (

    select
        factor_parts.conversion_view,
        kpi_periods.department,
        kpi_periods.period_start_date,
        kpi_periods.kpi_stage,
        factors.factor,
        factors.factor_order,
        factors.owner_department,
        factor_parts.plan_source,
        factor_parts.is_complete_period,
        kpi_values.kpi_actual,
        kpi_values.kpi_plan,
        factor_parts.factor_actual,
        factor_parts.factor_plan,
        factor_parts.log_gap_part,
        {{ safe_ln('kpi_values.kpi_actual') }} - {{ safe_ln('kpi_values.kpi_plan') }} as total_log_gap,
        count(factor_parts.log_gap_part) over (
            partition by factor_parts.conversion_view, kpi_periods.department, kpi_periods.period_start_date
        ) = count(*) over (
            partition by factor_parts.conversion_view, kpi_periods.department, kpi_periods.period_start_date
        ) as is_computable
    from kpi_periods
    inner join factors as kpi_factors
        on kpi_periods.kpi_stage = kpi_factors.kpi_stage
    inner join factors
        on kpi_factors.factor_order >= factors.factor_order
    inner join factor_parts
        on kpi_periods.period_start_date = factor_parts.period_start_date
            and factors.factor_order = factor_parts.factor_order
    inner join factor_parts as kpi_values
        on factor_parts.conversion_view = kpi_values.conversion_view
            and kpi_periods.period_start_date = kpi_values.period_start_date
            and kpi_periods.kpi_stage = kpi_values.kpi_stage

),

final as (

    select
        conversion_view,
        department,
        period_start_date,
        kpi_stage,
        factor,
        factor_order,
        owner_department,
        owner_department = department as is_owned_by_department,
        plan_source,
        is_complete_period,
        is_computable,
        kpi_actual,
        kpi_plan,
        kpi_actual - kpi_plan as kpi_gap,
        factor_actual,
        factor_plan,
        case when is_computable then log_gap_part end as log_gap_part,
        case when is_computable then total_log_gap end as total_log_gap,
        case
            when not is_computable then null
            when total_log_gap = 0 then 0
            else (kpi_actual - kpi_plan) * log_gap_part / total_log_gap
        end as gap_part_in_kpi_units
    from department_parts

)

select * from final

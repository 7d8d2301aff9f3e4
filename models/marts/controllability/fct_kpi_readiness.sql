{#
    Per period and tracked department (var readiness_departments): the KPI
    stage the department holds, the next stage it could take on, and whether
    it is ready to: the rate into the next stage is stable
    (fct_conversion_volatility) and the department met its KPI target in at
    least readiness_min_target_hits of the last W periods. A KPI whose entry
    rate is not stable is held beyond readiness - the article's unreasonable
    KPI (無理なKPI設定) - and is_beyond_readiness warns about it.
    Stability is judged in both conversion views: on the period view's flow
    ratios, and on the cohort view's true rates for the periods whose cohorts
    are mature (the recent periods have no cohort rate yet, so the cohort view
    stops there instead of calling them unstable). The target record is the
    department's, counted in periods (fct_department_kpi_periods).
#}
{%- set window_periods = validated_var('controllability_window_periods', type='integer') -%}
{%- set min_hits = validated_var('readiness_min_target_hits', type='integer') -%}
{%- set tracked_departments = validated_var('readiness_departments', type='string_list') -%}

with

kpi_periods as (

    select * from {{ ref('revenue_funnel', 'fct_department_kpi_periods') }}
    where
        period_grain = '{{ funnel_period_grain() }}'
        and is_complete_period
        and department in {{ sql_string_list(tracked_departments) }}

),

volatility as (

    select * from {{ ref('revenue_funnel', 'fct_conversion_volatility') }}

),

-- the periods each view has rates for: every complete period (period view), the
-- mature cohorts (cohort view)
view_periods as (

    select distinct
        conversion_view,
        period_start_date
    from volatility

),

factors as (

    select * from {{ config_table('funnel_factors') }}

),

stage_steps as (

    -- the chain lead -> appointment -> pipeline -> won -> won_amount, and the
    -- rate (factor) that leads into each stage
    select
        factors.kpi_stage,
        -- f_0 (lead volume) is not a rate: a lead KPI has no entry rate
        case when factors.factor_order > 0 then factors.factor end as entry_rate_name,
        next_factors.kpi_stage as next_kpi_stage,
        next_factors.factor as next_entry_rate_name
    from factors
    left join factors as next_factors
        on factors.factor_order + 1 = next_factors.factor_order

),

target_record as (

    select
        department,
        period_start_date,
        kpi_stage,
        assigned_from,
        is_target_met,
        count(case when is_target_met then 1 end) over (
            partition by department, kpi_stage
            order by period_start_date
            rows between {{ window_periods - 1 }} preceding and current row
        ) as target_hits_count,
        count(*) over (
            partition by department, kpi_stage
            order by period_start_date
            rows between {{ window_periods - 1 }} preceding and current row
        ) as record_periods_count
    from kpi_periods

),

-- each period's held KPI in each view, with the rate into it judged once
held_rates as (

    select
        view_periods.conversion_view,
        target_record.department,
        target_record.period_start_date,
        target_record.kpi_stage,
        target_record.assigned_from,
        target_record.target_hits_count,
        target_record.record_periods_count,
        stage_steps.next_kpi_stage,
        stage_steps.next_entry_rate_name,
        held_rate.coefficient_of_variation as held_rate_cv,
        case
            when stage_steps.entry_rate_name is null then true
            -- not yet judgeable (too few rates in the window, a short history, a
            -- KPI switched within W periods) is not stable: nobody can plan for it
            else coalesce(held_rate.is_stable, false)
        end as is_held_rate_stable
    from target_record
    inner join view_periods
        on target_record.period_start_date = view_periods.period_start_date
    inner join stage_steps
        on target_record.kpi_stage = stage_steps.kpi_stage
    left join volatility as held_rate
        on view_periods.conversion_view = held_rate.conversion_view
            and stage_steps.entry_rate_name = held_rate.rate_name
            and target_record.period_start_date = held_rate.period_start_date

),

final as (

    select
        held_rates.conversion_view,
        held_rates.department,
        held_rates.period_start_date,
        held_rates.kpi_stage,
        held_rates.assigned_from,
        held_rates.next_kpi_stage,
        held_rates.is_held_rate_stable,
        held_rates.held_rate_cv,
        held_rates.next_entry_rate_name as next_rate_name,
        next_rate.coefficient_of_variation as next_rate_cv,
        coalesce(next_rate.is_stable, false) as is_next_rate_stable,
        held_rates.target_hits_count,
        held_rates.record_periods_count,
        held_rates.target_hits_count >= {{ min_hits }} as has_target_record,
        coalesce(next_rate.is_stable, false) and held_rates.target_hits_count >= {{ min_hits }}
            as is_ready_for_next_stage,
        not held_rates.is_held_rate_stable as is_beyond_readiness
    from held_rates
    left join volatility as next_rate
        on held_rates.conversion_view = next_rate.conversion_view
            and held_rates.next_entry_rate_name = next_rate.rate_name
            and held_rates.period_start_date = next_rate.period_start_date

)

select * from final

{#
    The periods of every trailing controllability window, one row per
    conversion view, window end, candidate KPI, factor and period in the window:
    the W complete periods (var controllability_window_periods) ending at the
    window end, after the warm-up (is_warmup_period: no window ends in or
    reaches into the ramp of the first periods). The logs and the chance
    variance are given only where the period is usable for the KPI (every count
    of its chain positive), so any aggregate over the window uses the same
    periods for every factor and the decomposition stays exact. The single input
    of the factor shares and the department shares, so both are measured on the
    same periods.
#}
{%- set window_periods = validated_var('controllability_window_periods', type='integer') -%}

with

chain as (

    select * from {{ ref('revenue_funnel', 'fct_kpi_factor_periods') }}
    where not is_warmup_period

),

window_ends as (

    select distinct
        conversion_view,
        period_index as window_end_index,
        period_start_date as window_end_period_start_date
    from chain

),

final as (

    select
        window_ends.conversion_view,
        window_ends.window_end_period_start_date,
        chain.period_start_date,
        chain.kpi_stage,
        chain.factor,
        chain.factor_order,
        chain.owner_department,
        chain.is_usable_period,
        case when chain.is_usable_period then chain.log_factor end as log_factor,
        case when chain.is_usable_period then chain.log_kpi end as log_kpi,
        case when chain.is_usable_period then chain.chance_variance end as chance_variance
    from window_ends
    inner join chain
        on window_ends.conversion_view = chain.conversion_view
            and chain.period_index between window_ends.window_end_index - {{ window_periods - 1 }}
            and window_ends.window_end_index

)

select * from final

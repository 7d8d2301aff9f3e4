{#
    Every stage rate per complete period, in both conversion views (period:
    flows; cohort: true rates of mature cohorts), with its rolling mean,
    standard deviation and coefficient of variation (stddev / mean) over the
    trailing W periods of its view, and whether it is stable: CV at or below
    stability_cv_threshold, with at least controllability_min_periods rates in
    the window. Rates are the factors f_1 .. f_k of seed funnel_factors, and
    the IS handled rate (handled / leads) while handled is not in the chain.
    Periods where a rate is undefined (zero denominator) are skipped, counted
    in rate_periods_count.
#}
{%- set window_periods = validated_var('controllability_window_periods', type='integer') -%}
{%- set min_periods = validated_var('controllability_min_periods', type='integer') -%}
{%- set cv_threshold = validated_var('stability_cv_threshold', type='number') -%}

with

chain as (

    select * from {{ ref('revenue_funnel', 'fct_kpi_factor_periods') }}

),

stage_periods as (

    select * from {{ ref('revenue_funnel', 'fct_kpi_stage_periods') }}
    where is_complete_period and kpi_stage in ('lead', 'handled')

),

factor_rates as (

    -- each factor once, from the chain of the KPI it completes
    select
        conversion_view,
        period_start_date,
        period_index,
        factor as rate_name,
        kpi_stage as into_stage,
        owner_department,
        factor_value as rate_value
    from chain
    where factor_order = kpi_order and factor_order > 0

),

handled_rates as (

    select
        factor_rates.conversion_view,
        factor_rates.period_start_date,
        factor_rates.period_index,
        'handled_rate' as rate_name,
        'handled' as into_stage,
        -- handling is Inside Sales' work on the way to an appointment: the owner of
        -- the factor into appointments
        factor_rates.owner_department,
        {{ safe_divide('handled.kpi_value', 'leads.kpi_value') }} as rate_value
    from factor_rates
    inner join stage_periods as leads
        on
            factor_rates.conversion_view = leads.conversion_view
            and factor_rates.period_start_date = leads.period_start_date
            and leads.kpi_stage = 'lead'
    inner join stage_periods as handled
        on
            factor_rates.conversion_view = handled.conversion_view
            and factor_rates.period_start_date = handled.period_start_date
            and handled.kpi_stage = 'handled'
    -- reported beside the chain only while the chain has no factor into handled
    where
        factor_rates.into_stage = 'appointment'
        and 'handled' not in (select chain_rates.into_stage from factor_rates as chain_rates)

),

rates as (

    select * from factor_rates
    union all
    select * from handled_rates

),

rolling as (

    select
        *,
        avg(rate_value) over trailing_window as rolling_mean,
        stddev_samp(rate_value) over trailing_window as rolling_stddev,
        count(rate_value) over trailing_window as rate_periods_count
    from rates
    window trailing_window as (
        partition by conversion_view, rate_name
        order by period_index
        rows between {{ window_periods - 1 }} preceding and current row
    )

),

final as (

    select
        conversion_view,
        period_start_date,
        rate_name,
        into_stage,
        owner_department,
        rate_value,
        rolling_mean,
        rolling_stddev,
        {{ safe_divide('rolling_stddev', 'rolling_mean') }} as coefficient_of_variation,
        rate_periods_count,
        cast({{ cv_threshold }} as {{ type_double() }}) as stability_cv_threshold,
        case
            when rate_periods_count >= {{ min_periods }}
                then {{ safe_divide('rolling_stddev', 'rolling_mean') }} <= {{ cv_threshold }}
        end as is_stable
    from rolling

)

select * from final

{#
    The covariance decomposition of a KPI's variance, one row per window end
    period, candidate KPI and factor: over the trailing window of W complete
    periods (var controllability_window_periods),
        Var(log N_k) = sum_i Cov(log f_i, log N_k),   share_i = Cov_i / Var(log N_k),
    exactly, so the shares of one KPI and window sum to 1. A share can be
    negative (a factor that moved against the KPI). Periods with a zero count
    in the chain have no log: they are excluded and counted. Shares are null
    when fewer than controllability_min_periods periods are usable or the KPI
    did not vary.
#}
{%- set window_periods = validated_var('controllability_window_periods', type='integer') -%}
{%- set min_periods = validated_var('controllability_min_periods', type='integer') -%}

with

chain as (

    select * from {{ ref('revenue_funnel', 'fct_kpi_factor_periods') }}

),

window_ends as (

    select distinct
        period_index as window_end_index,
        period_start_date as window_end_period_start_date
    from chain

),

windowed as (

    select
        window_ends.window_end_index,
        window_ends.window_end_period_start_date,
        chain.period_start_date,
        chain.kpi_stage,
        chain.factor,
        chain.factor_order,
        chain.owner_department,
        case when chain.is_usable_period then chain.log_factor end as log_factor,
        case when chain.is_usable_period then chain.log_kpi end as log_kpi,
        chain.is_usable_period
    from window_ends
    inner join chain
        on chain.period_index between window_ends.window_end_index - {{ window_periods - 1 }}
            and window_ends.window_end_index

),

decomposed as (

    select
        window_end_period_start_date,
        kpi_stage,
        factor,
        factor_order,
        owner_department,
        min(period_start_date) as window_start_period_start_date,
        count(*) as window_periods_count,
        count(case when is_usable_period then 1 end) as periods_used_count,
        count(case when not is_usable_period then 1 end) as periods_excluded_count,
        var_samp(log_factor) as log_factor_variance,
        covar_samp(log_factor, log_kpi) as log_factor_kpi_covariance,
        var_samp(log_kpi) as log_kpi_variance
    from windowed
    group by window_end_period_start_date, kpi_stage, factor, factor_order, owner_department

),

final as (

    select
        window_end_period_start_date,
        kpi_stage,
        factor,
        factor_order,
        owner_department,
        window_start_period_start_date,
        window_periods_count,
        periods_used_count,
        periods_excluded_count,
        log_factor_variance,
        log_factor_kpi_covariance,
        log_kpi_variance,
        case
            when periods_used_count >= {{ min_periods }} and log_kpi_variance > 0
                then {{ safe_divide('log_factor_kpi_covariance', 'log_kpi_variance') }}
        end as variance_share
    from decomposed

)

select * from final

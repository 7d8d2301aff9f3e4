{#
    The covariance decomposition of a KPI's variance, one row per conversion
    view, window end period, candidate KPI and factor: over the trailing window
    of W complete periods (var controllability_window_periods) after the
    warm-up,
        Var(log N_k) = sum_i Cov(log f_i, log N_k),   share_i = Cov_i / Var(log N_k),
    exactly, so the shares of one KPI and window sum to 1. A share can be
    negative (a factor that moved against the KPI). Periods with a zero count
    in the chain have no log: they are excluded and counted. Shares are null
    when fewer than controllability_min_periods periods are usable or the KPI
    did not vary. Each share is split into the part counting noise alone would
    give (chance_share) and the rest (systematic_share), and carries a
    jackknife standard error (macro window_variance_shares).
#}
{%- set min_periods = validated_var('controllability_min_periods', type='integer') -%}
{%- set z = validated_var('controllability_share_z', type='number') -%}

with

window_periods as (

    select
        conversion_view,
        window_end_period_start_date,
        kpi_stage,
        factor,
        factor_order,
        owner_department,
        period_start_date,
        is_usable_period,
        log_factor as x,
        log_kpi as y,
        chance_variance
    from {{ ref('revenue_funnel', 'fct_kpi_window_periods') }}

),

{{ window_variance_shares(
    'window_periods',
    ['conversion_view', 'window_end_period_start_date', 'kpi_stage', 'factor', 'factor_order', 'owner_department'],
    min_periods,
    z
) }},

final as (

    select
        conversion_view,
        window_end_period_start_date,
        kpi_stage,
        factor,
        factor_order,
        owner_department,
        window_start_period_start_date,
        window_periods_count,
        periods_used_count,
        periods_excluded_count,
        x_variance as log_factor_variance,
        xy_covariance as log_factor_kpi_covariance,
        y_variance as log_kpi_variance,
        variance_share,
        chance_variance,
        chance_share,
        variance_share - chance_share as systematic_share,
        share_standard_error,
        is_share_indistinguishable_from_zero,
        is_share_indistinguishable_from_one
    from window_shares

)

select * from final

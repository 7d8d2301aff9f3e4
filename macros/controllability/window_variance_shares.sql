{#
    The CTEs that turn the periods of trailing windows into variance shares,
    written once for the two grains that need them (a factor in
    fct_kpi_controllability_factors, a department's owned factors in
    fct_kpi_controllability). `periods` names a CTE with the columns `keys`
    (one window and component per group), period_start_date, is_usable_period,
    x (the component's log, null where unusable), y (the KPI's log, likewise) and
    chance_variance (the component's counting-noise variance in the period).
    Defines the CTE `window_shares`, one row per keys, with:
    - the window's period counts, var(x), cov(x, y), var(y) (sample, n - 1);
    - variance_share = cov(x, y) / var(y), null below min_periods usable
      periods or when y did not vary;
    - chance_variance (its mean over the usable periods) and chance_share =
      chance_variance / var(y), the share counting noise alone would give;
    - share_standard_error: a leave-one-period-out jackknife of the share,
      sqrt((n - 1) / n * sum_t (share_(-t) - mean)^2), each share_(-t) from the
      window's sums without period t;
    - is_share_indistinguishable_from_zero / _one: the share within z standard
      errors of 0 / of 1.
    A share fixed by construction (1 for a KPI that is one factor, 0 for a
    department owning none) comes out of floating point a few 1e-16 off, with a
    standard error of the same size: below 1e-12 the error is 0, and the flags
    allow that much, so they do not flip with the order the engine adds in.
#}
{% macro window_variance_shares(periods, keys, min_periods, z) %}
{%- set float_noise = '1e-12' %}
{%- set key_list = keys | join(', ') %}

window_sums as (

    select
        {{ key_list }},
        min(period_start_date) as window_start_period_start_date,
        count(*) as window_periods_count,
        count(case when is_usable_period then 1 end) as periods_used_count,
        count(case when not is_usable_period then 1 end) as periods_excluded_count,
        var_samp(x) as x_variance,
        covar_samp(x, y) as xy_covariance,
        var_samp(y) as y_variance,
        avg(chance_variance) as chance_variance,
        sum(x) as x_sum,
        sum(y) as y_sum,
        sum(x * y) as xy_sum,
        sum(y * y) as yy_sum
    from {{ periods }}
    group by {{ key_list }}

),

leave_one_out as (

    -- the share without period t, from the window's sums less t's terms (n - 1 periods left)
    select
        {%- for key in keys %}
            window_sums.{{ key }},
        {%- endfor %}
        {{ safe_divide(
            '(window_sums.xy_sum - left_out.x * left_out.y)'
            ~ ' - (window_sums.x_sum - left_out.x) * (window_sums.y_sum - left_out.y)'
            ~ ' / (window_sums.periods_used_count - 1)',
            '(window_sums.yy_sum - left_out.y * left_out.y)'
            ~ ' - (window_sums.y_sum - left_out.y) * (window_sums.y_sum - left_out.y)'
            ~ ' / (window_sums.periods_used_count - 1)'
        ) }} as share_without_period
    from {{ periods }} as left_out
    inner join window_sums
        on {% for key in keys %}left_out.{{ key }} = window_sums.{{ key }}{% if not loop.last %} and {% endif %}{% endfor %}
    where left_out.is_usable_period and window_sums.periods_used_count >= 3

),

jackknife as (

    select
        {{ key_list }},
        count(share_without_period) as jackknife_count,
        sum(share_without_period) as share_sum,
        sum(share_without_period * share_without_period) as share_square_sum
    from leave_one_out
    group by {{ key_list }}

),

jackknife_errors as (

    select
        window_sums.*,
        jackknife.jackknife_count,
        case
            when window_sums.periods_used_count >= {{ min_periods }} and window_sums.y_variance > 0
                then {{ safe_divide('window_sums.xy_covariance', 'window_sums.y_variance') }}
        end as variance_share,
        case
            when window_sums.periods_used_count >= {{ min_periods }} and window_sums.y_variance > 0
                and jackknife.jackknife_count = window_sums.periods_used_count
                then sqrt(greatest(
                    (jackknife.jackknife_count - 1.0) / jackknife.jackknife_count
                    * (jackknife.share_square_sum
                        - jackknife.share_sum * jackknife.share_sum / jackknife.jackknife_count),
                    0
                ))
        end as raw_standard_error
    from window_sums
    left join jackknife
        on {% for key in keys %}window_sums.{{ key }} = jackknife.{{ key }}{% if not loop.last %} and {% endif %}{% endfor %}

),

window_shares as (

    select
        jackknife_errors.*,
        case
            when jackknife_errors.variance_share is not null
                then {{ safe_divide('jackknife_errors.chance_variance', 'jackknife_errors.y_variance') }}
        end as chance_share,
        case
            when jackknife_errors.raw_standard_error < {{ float_noise }} then 0
            else jackknife_errors.raw_standard_error
        end as share_standard_error,
        abs(jackknife_errors.variance_share)
        <= {{ z }} * jackknife_errors.raw_standard_error + {{ float_noise }} as is_share_indistinguishable_from_zero,
        abs(1 - jackknife_errors.variance_share)
        <= {{ z }} * jackknife_errors.raw_standard_error + {{ float_noise }} as is_share_indistinguishable_from_one
    from jackknife_errors

)
{% endmacro %}

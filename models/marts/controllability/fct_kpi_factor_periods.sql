{#
    The KPI chain in logs, one row per conversion view (period | cohort),
    complete period, candidate KPI and factor entering it: for KPI k (lead,
    appointment, pipeline, won, won_amount) the factors f_0 .. f_k of seed
    funnel_factors, with log f_i = ln(numerator count) - ln(denominator count)
    and log N_k. A period is usable for KPI k only when every count in its chain
    is positive; otherwise the logs are null and is_usable_period says why the
    period drops out. By construction sum_i log f_i = log N_k in usable periods.
    chance_variance is the variance counting noise alone gives log f_i in the
    period: 1/N for a count, so 1/N_0 for the lead volume and
    1/N_num - 1/N_den for a factor between two counts (they telescope to 1/N_k);
    for the deal size 1/N_eff - 1/N_won, N_eff = (sum a)^2 / sum a^2 the effective
    number of deals (the spread of the deal amounts; won amount telescopes to 1/N_eff).
    is_warmup_period marks the first periods of the data, which no
    controllability window uses.
#}
{%- set warmup_days = validated_var(
    'controllability_warmup_days' if var('controllability_warmup_days', none) is not none
    else 'cohort_conversion_window_days',
    type='integer'
) -%}

with

stage_periods as (

    select * from {{ ref('revenue_funnel', 'fct_kpi_stage_periods') }}
    where is_complete_period

),

factors as (

    select * from {{ config_table('funnel_factors') }}

),

stage_values as (

    select
        stage_periods.conversion_view,
        stage_periods.period_start_date,
        -- complete periods numbered without gaps within a view: the trailing windows count on it
        -- bigint on every engine (Spark's dense_rank() is an int): the contract's type
        cast(dense_rank() over (
            partition by stage_periods.conversion_view order by stage_periods.period_start_date
        ) as {{ dbt.type_bigint() }}) as period_index,
        stage_periods.period_start_date < {{ dbt.dateadd(
            'day', warmup_days,
            'min(stage_periods.period_start_date) over (partition by stage_periods.conversion_view)'
        ) }} as is_warmup_period,
        stage_periods.kpi_stage as funnel_stage,
        stage_periods.kpi_value as stage_value,
        -- counting noise: 1/N for a count, 1/(effective number of deals) for the won amount
        {{ safe_divide('1', 'stage_periods.effective_count') }} as count_chance_variance
    from stage_periods

),

factor_values as (

    select
        numerators.conversion_view,
        numerators.period_start_date,
        numerators.period_index,
        numerators.is_warmup_period,
        factors.factor,
        factors.factor_order,
        factors.owner_department,
        case
            when factors.denominator_stage is null then numerators.stage_value
            else {{ safe_divide('numerators.stage_value', 'denominators.stage_value') }}
        end as factor_value,
        {{ safe_ln('numerators.stage_value') }}
        - case when factors.denominator_stage is null then 0 else {{ safe_ln('denominators.stage_value') }} end
            as log_factor,
        numerators.count_chance_variance
        - case when factors.denominator_stage is null then 0 else denominators.count_chance_variance end
            as chance_variance
    from factors
    inner join stage_values as numerators
        on factors.numerator_stage = numerators.funnel_stage
    left join stage_values as denominators
        on factors.denominator_stage = denominators.funnel_stage
            and numerators.conversion_view = denominators.conversion_view
            and numerators.period_index = denominators.period_index

),

kpi_chains as (

    select
        factor_values.conversion_view,
        factor_values.period_start_date,
        factor_values.period_index,
        factor_values.is_warmup_period,
        kpis.kpi_stage,
        kpis.factor_order as kpi_order,
        factor_values.factor,
        factor_values.factor_order,
        factor_values.owner_department,
        factor_values.factor_value,
        factor_values.log_factor,
        factor_values.chance_variance,
        kpi_values.stage_value as kpi_value,
        {{ safe_ln('kpi_values.stage_value') }} as log_kpi
    from factors as kpis
    inner join factor_values
        on kpis.factor_order >= factor_values.factor_order
    inner join stage_values as kpi_values
        on kpis.kpi_stage = kpi_values.funnel_stage
            and factor_values.conversion_view = kpi_values.conversion_view
            and factor_values.period_index = kpi_values.period_index

),

final as (

    select
        *,
        count(log_factor) over (
            partition by conversion_view, period_index, kpi_stage
        ) = kpi_order + 1 as is_usable_period
    from kpi_chains

)

select * from final

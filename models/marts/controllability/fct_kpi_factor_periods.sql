{#
    The KPI chain in logs, one row per complete period, candidate KPI and
    factor entering it: for KPI k (lead, appointment, pipeline, won,
    won_amount) the factors f_0 .. f_k of seed funnel_factors, with
    log f_i = ln(numerator count) - ln(denominator count) and log N_k.
    A period is usable for KPI k only when every count in its chain is
    positive; otherwise the logs are null and is_usable_period says why the
    period drops out. By construction sum_i log f_i = log N_k in usable periods.
#}
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
        period_start_date,
        -- complete periods numbered without gaps: the trailing windows count on it
        dense_rank() over (order by period_start_date) as period_index,
        kpi_stage as funnel_stage,
        kpi_value as stage_value
    from stage_periods

),

factor_values as (

    select
        numerators.period_start_date,
        numerators.period_index,
        factors.factor,
        factors.factor_order,
        factors.owner_department,
        case
            when factors.denominator_stage is null then numerators.stage_value
            else {{ safe_divide('numerators.stage_value', 'denominators.stage_value') }}
        end as factor_value,
        {{ safe_ln('numerators.stage_value') }}
        - case when factors.denominator_stage is null then 0 else {{ safe_ln('denominators.stage_value') }} end
            as log_factor
    from factors
    inner join stage_values as numerators
        on factors.numerator_stage = numerators.funnel_stage
    left join stage_values as denominators
        on factors.denominator_stage = denominators.funnel_stage
            and numerators.period_index = denominators.period_index

),

kpi_chains as (

    select
        factor_values.period_start_date,
        factor_values.period_index,
        kpis.kpi_stage,
        kpis.factor_order as kpi_order,
        factor_values.factor,
        factor_values.factor_order,
        factor_values.owner_department,
        factor_values.factor_value,
        factor_values.log_factor,
        kpi_values.stage_value as kpi_value,
        {{ safe_ln('kpi_values.stage_value') }} as log_kpi
    from factors as kpis
    inner join factor_values
        on kpis.factor_order >= factor_values.factor_order
    inner join stage_values as kpi_values
        on kpis.kpi_stage = kpi_values.funnel_stage
            and factor_values.period_index = kpi_values.period_index

),

final as (

    select
        *,
        count(log_factor) over (partition by period_index, kpi_stage) = kpi_order + 1 as is_usable_period
    from kpi_chains

)

select * from final

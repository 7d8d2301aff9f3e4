{#
    The reverse funnel from the KGI (KGIから逆算): for each period, the
    revenue target (seed revenue_targets, spread onto the period) turned into
    the won deals, pipeline, appointments and leads it needs, using the
    trailing deal size and stage rates of the last plan_baseline_periods
    complete periods (ratios of sums, period view), along the chain of the
    seed funnel_factors. One row per period and
    stage, with the actual so far, the pace against a straight-line share of
    the requirement for the elapsed part of the period, the gap, and the
    department that owns the factor entering the stage.
#}
{%- set baseline_periods = validated_var('plan_baseline_periods', type='integer') -%}

with

stage_periods as (

    select * from {{ ref('revenue_funnel', 'fct_kpi_stage_periods') }}
    -- the period view: the actuals as counted in each period (the cohort view is for the shares)
    where conversion_view = 'period'

),

targets as (

    select * from {{ ref('revenue_funnel', 'fct_targets_by_period') }}
    where target_owner = 'KGI'

),

factors as (

    select * from {{ config_table('funnel_factors') }}

),

as_of as (

    select * from {{ ref('revenue_funnel', 'int_as_of_date') }}

),

-- each stage's total over the trailing window of complete periods, only once
-- the whole window has history: no plan from ramp-up months
trailing_totals as (

    select
        period_start_date,
        period_end_date,
        is_complete_period,
        kpi_stage,
        kpi_value,
        case
            when count(case when is_complete_period then 1 end) over trailing_window = {{ baseline_periods }}
                then sum(case when is_complete_period then kpi_value end) over trailing_window
        end as trailing_total
    from stage_periods
    window trailing_window as (
        partition by kpi_stage
        order by period_start_date
        rows between {{ baseline_periods }} preceding and 1 preceding
    )

),

-- the chain of seed funnel_factors, lead volume first, the won amount (the
-- KGI's unit) last; each link's trailing rate is a ratio of sums
chain as (

    select
        trailing_totals.*,
        factors.factor_order,
        factors.owner_department,
        targets.target_value as revenue_target,
        case
            when factors.denominator_stage is not null
                then {{ safe_divide(
                    'trailing_totals.trailing_total',
                    'lag(trailing_totals.trailing_total) over (
                        partition by trailing_totals.period_start_date order by factors.factor_order
                    )'
                ) }}
        end as trailing_rate_into_stage,
        last_value(trailing_totals.trailing_total) over stages_of_the_period as kgi_trailing_total,
        -- a zero or missing total anywhere from this stage up breaks the way back from the KGI
        min(trailing_totals.trailing_total) over stages_from_here as smallest_total_from_here,
        count(trailing_totals.trailing_total) over stages_from_here = count(*) over stages_from_here
            as has_every_total_from_here,
        max(factors.factor_order) over stages_of_the_period as kgi_order
    from trailing_totals
    inner join factors
        on trailing_totals.kpi_stage = factors.kpi_stage
    left join targets
        on trailing_totals.period_start_date = targets.period_start_date
    window
        stages_of_the_period as (
            partition by trailing_totals.period_start_date
            order by factors.factor_order
            rows between unbounded preceding and unbounded following
        ),
        stages_from_here as (
            partition by trailing_totals.period_start_date
            order by factors.factor_order
            rows between current row and unbounded following
        )

),

-- the rates telescope: what the target requires at a stage is the target times
-- the stage's trailing total over the won amount's (target / deal size / win
-- rate / ...), defined while every total from the stage up to the KGI is positive
unpivoted as (

    select
        period_start_date,
        period_end_date,
        is_complete_period,
        revenue_target,
        max(case when factor_order = kgi_order then trailing_rate_into_stage end)
            over (partition by period_start_date) as trailing_deal_size,
        kpi_stage as plan_stage,
        factor_order as stage_order,
        owner_department,
        kpi_value as actual_value,
        case
            when factor_order = kgi_order then revenue_target
            when has_every_total_from_here and smallest_total_from_here > 0
                then revenue_target * trailing_total / kgi_trailing_total
        end as required_value,
        trailing_rate_into_stage
    from chain

),

final as (

    select
        unpivoted.period_start_date,
        unpivoted.plan_stage,
        unpivoted.stage_order,
        unpivoted.owner_department,
        unpivoted.is_complete_period,
        unpivoted.revenue_target,
        unpivoted.trailing_deal_size,
        unpivoted.trailing_rate_into_stage,
        unpivoted.required_value,
        unpivoted.actual_value,
        unpivoted.actual_value - unpivoted.required_value as gap_value,
        {{ safe_divide('unpivoted.actual_value', 'unpivoted.required_value') }} as attainment_rate,
        -- share of the period behind us on the as-of date (1 for complete periods)
        least(
            1.0,
            {{ safe_divide(
                dbt.datediff('unpivoted.period_start_date', 'as_of.as_of_date', 'day') ~ ' + 1',
                dbt.datediff('unpivoted.period_start_date', 'unpivoted.period_end_date', 'day') ~ ' + 1'
            ) }}
        ) as elapsed_share,
        unpivoted.required_value * least(
            1.0,
            {{ safe_divide(
                dbt.datediff('unpivoted.period_start_date', 'as_of.as_of_date', 'day') ~ ' + 1',
                dbt.datediff('unpivoted.period_start_date', 'unpivoted.period_end_date', 'day') ~ ' + 1'
            ) }}
        ) as required_to_date_value
    from unpivoted
    cross join as_of

)

select
    *,
    {{ safe_divide('actual_value', 'required_to_date_value') }} as pace_rate
from final

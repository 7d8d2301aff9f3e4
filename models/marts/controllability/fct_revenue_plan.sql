{#
    The reverse funnel from the KGI (KGIから逆算): for each period, the
    revenue target (seed revenue_targets, spread onto the period) turned into
    the won deals, pipeline, appointments and leads it needs, using the
    trailing deal size and stage rates of the last plan_baseline_periods
    complete periods (ratios of sums, period view). One row per period and
    stage, with the actual so far, the pace against a straight-line share of
    the requirement for the elapsed part of the period, the gap, and the
    department that owns the factor entering the stage.
#}
{%- set baseline_periods = validated_var('plan_baseline_periods', type='integer') -%}
{%- set chain = funnel_stage_columns() -%}

with

periods as (

    select * from {{ ref('fct_funnel_periods') }}
    where breakdown_dimension = 'total'

),

targets as (

    select * from {{ ref('fct_targets_by_period') }}
    where target_owner = 'KGI'

),

factors as (

    select * from {{ ref('funnel_factors') }}

),

as_of as (

    select * from {{ ref('int_as_of_date') }}

),

trailing_totals as (

    select
        periods.period_start_date,
        periods.period_end_date,
        periods.is_complete_period,
        {%- for stage, column in chain %}
            cast(periods.{{ column }} as {{ type_double() }}) as {{ stage }}_actual,
            -- only once the whole trailing window has history: no plan from ramp-up months
            case
                when count(case when periods.is_complete_period then 1 end) over trailing_window
                    = {{ baseline_periods }}
                    then sum(case when periods.is_complete_period then periods.{{ column }} end) over trailing_window
            end as {{ stage }}_trailing_total,
        {%- endfor %}
        targets.target_value as revenue_target
    from periods
    left join targets
        on periods.period_start_date = targets.period_start_date
    window trailing_window as (
        order by periods.period_start_date
        rows between {{ baseline_periods }} preceding and 1 preceding
    )

),

required as (

    select
        *,
        {{ safe_divide('won_amount_trailing_total', 'won_trailing_total') }} as trailing_deal_size,
        revenue_target as won_amount_required,
        {{ safe_divide('revenue_target', safe_divide('won_amount_trailing_total', 'won_trailing_total')) }}
            as won_required
    from trailing_totals

),

required_chain as (

    select
        *,
        {{ safe_divide('won_required', safe_divide('won_trailing_total', 'pipeline_trailing_total')) }}
            as pipeline_required
    from required

),

required_appointments as (

    select
        *,
        {{ safe_divide('pipeline_required', safe_divide('pipeline_trailing_total', 'appointment_trailing_total')) }}
            as appointment_required
    from required_chain

),

required_leads as (

    select
        *,
        {{ safe_divide('appointment_required', safe_divide('appointment_trailing_total', 'lead_trailing_total')) }}
            as lead_required
    from required_appointments

),

unpivoted as (

    {%- for stage, column in chain %}
        select
            period_start_date,
            period_end_date,
            is_complete_period,
            revenue_target,
            trailing_deal_size,
            '{{ stage }}' as plan_stage,
            {{ loop.index0 }} as stage_order,
            {{ stage }}_actual as actual_value,
            {{ stage }}_required as required_value,
            {%- if loop.first %}
                cast(null as {{ type_double() }}) as trailing_rate_into_stage
            {%- else %}
                {{ safe_divide(stage ~ '_trailing_total', chain[loop.index0 - 1][0] ~ '_trailing_total') }}
                    as trailing_rate_into_stage
            {%- endif %}
        from required_leads
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}

),

final as (

    select
        unpivoted.period_start_date,
        unpivoted.plan_stage,
        unpivoted.stage_order,
        factors.owner_department,
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
    inner join factors
        on unpivoted.plan_stage = factors.kpi_stage

)

select
    *,
    {{ safe_divide('actual_value', 'required_to_date_value') }} as pace_rate
from final

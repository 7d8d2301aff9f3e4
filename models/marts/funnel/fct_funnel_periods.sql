{#
    One row per period (var funnel_period_grain) and breakdown value: how many
    persons reached each stage in that period (won: how many deals were won in
    it, a person's repeat wins each in its own period), the won amount, and the period
    factors of the telescoping product N_k = f_0 * f_1 * ... * f_k, where
    f_0 = leads and f_j = N_j / N_(j-1). A factor whose denominator is zero is
    null, never infinite. Every period from the first lead to the as-of date
    has a row for every breakdown value, zeros included.
#}
{%- set grain = funnel_period_grain() -%}
{%- set breakdowns = funnel_breakdowns() -%}

with

stage_events as (

    select * from {{ ref('revenue_funnel', 'fct_funnel_stage_events') }}

),

calendar as (

    select * from {{ ref('revenue_funnel', 'dim_calendar') }}

),

as_of as (

    select * from {{ ref('revenue_funnel', 'int_as_of_date') }}

),

periods as (

    select distinct calendar.period_start_date
    from calendar
    where
        calendar.is_on_or_before_as_of
        and calendar.date_day >= (select min(stage_events.reached_date) from stage_events)

),

breakdown_events as (

    {%- for dimension, value_column in breakdowns.items() %}
        select
            '{{ dimension }}' as breakdown_dimension,
            coalesce({{ value_column }}, 'Unknown') as breakdown_value,
            cast({{ dbt.date_trunc(grain, 'reached_at') }} as date) as period_start_date,
            funnel_stage,
            person_id,
            won_amount
        from stage_events
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}

),

breakdown_values as (

    select distinct
        breakdown_dimension,
        breakdown_value
    from breakdown_events

),

-- fct_funnel_stage_events has one row per person and stage (its primary key,
-- tested), so within one breakdown a person is counted once per stage without
-- count(distinct): five distinct-sets per group cost several times the rest.
counts as (

    select
        breakdown_dimension,
        breakdown_value,
        period_start_date,
        {%- for stage in ['lead', 'handled', 'appointment', 'pipeline', 'won'] %}
            count(case when funnel_stage = '{{ stage }}' then person_id end) as {{ stage }}s_count,
        {%- endfor %}
        sum(case when funnel_stage = 'won' then won_amount end) as won_amount,
        sum(case when funnel_stage = 'won' then won_amount * won_amount end) as won_amount_squares
    from breakdown_events
    group by breakdown_dimension, breakdown_value, period_start_date

),

grid as (

    select
        breakdown_values.breakdown_dimension,
        breakdown_values.breakdown_value,
        periods.period_start_date
    from breakdown_values
    cross join periods

),

filled as (

    select
        grid.breakdown_dimension,
        grid.breakdown_value,
        grid.period_start_date,
        {%- for stage in ['lead', 'handled', 'appointment', 'pipeline', 'won'] %}
            coalesce(counts.{{ stage }}s_count, 0) as {{ stage }}s_count,
        {%- endfor %}
        coalesce(counts.won_amount, 0) as won_amount,
        counts.won_amount_squares
    from grid
    left join counts
        on grid.breakdown_dimension = counts.breakdown_dimension
            and grid.breakdown_value = counts.breakdown_value
            and grid.period_start_date = counts.period_start_date

),

final as (

    select
        ---------- keys
        filled.breakdown_dimension,
        filled.breakdown_value,
        '{{ grain }}' as period_grain,
        filled.period_start_date,
        cast({{ dbt.dateadd('day', -1, dbt.dateadd(grain, 1, 'filled.period_start_date')) }} as date)
            as period_end_date,

        ---------- counts by the date each stage was reached
        filled.leads_count,
        filled.handleds_count as handled_count,
        filled.appointments_count,
        filled.pipelines_count as pipeline_count,
        filled.wons_count as won_count,
        filled.won_amount,
        -- (sum a)^2 / sum a^2: as many equal deals as the amount is worth; its inverse is
        -- the counting noise of the won amount (fct_kpi_factor_periods)
        {{ safe_divide('filled.won_amount * filled.won_amount', 'filled.won_amount_squares') }}
            as won_deals_effective_count,

        ---------- period factors (period view)
        cast(filled.leads_count as {{ type_double() }}) as lead_factor,
        {{ safe_divide('filled.appointments_count', 'filled.leads_count') }} as appointment_factor,
        {{ safe_divide('filled.pipelines_count', 'filled.appointments_count') }} as pipeline_factor,
        {{ safe_divide('filled.wons_count', 'filled.pipelines_count') }} as won_factor,
        {{ safe_divide('filled.handleds_count', 'filled.leads_count') }} as handled_rate,
        {{ safe_divide('filled.won_amount', 'filled.wons_count') }} as average_won_amount,

        ---------- flags
        cast({{ dbt.dateadd('day', -1, dbt.dateadd(grain, 1, 'filled.period_start_date')) }} as date)
        <= as_of.as_of_date as is_complete_period
    from filled
    cross join as_of

)

select * from final

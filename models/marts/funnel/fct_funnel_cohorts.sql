{#
    The cohort view, complementary to the period view of fct_funnel_periods:
    for the leads created in each period (and breakdown value), how many ever
    reached each stage by the as-of date, and how many within
    var cohort_conversion_window_days of their creation. cohort_maturity_rate
    is the share of the cohort's leads that have had the whole window to
    convert, so young cohorts are visibly incomplete.
#}
{%- set grain = funnel_period_grain() -%}
{%- set window_days = validated_var('cohort_conversion_window_days', type='integer') -%}
{%- set breakdowns = funnel_breakdowns() -%}
{%- set later_stages = ['handled', 'appointment', 'pipeline', 'won'] -%}

with

stage_events as (

    select * from {{ ref('revenue_funnel', 'fct_funnel_stage_events') }}
    -- a cohort is the leads created in a period: persons who entered as a contact have none
    where lead_created_at is not null

),

as_of as (

    select * from {{ ref('revenue_funnel', 'int_as_of_date') }}

),

persons as (

    select
        person_id,
        max(source_channel) as source_channel,
        max(icp_tier) as icp_tier,
        max(employee_segment) as employee_segment,
        max(lead_created_at) as lead_created_at,
        -- first reach of each stage; won has a row per won deal, so its amounts add up
        {%- for stage in later_stages %}
            min(case when funnel_stage = '{{ stage }}' then reached_at end) as {{ stage }}_at,
        {%- endfor %}
        sum(case when funnel_stage = 'won' then won_amount end) as won_amount,
        sum(case
            when funnel_stage = 'won'
                and reached_at < {{ dbt.dateadd('day', window_days, 'lead_created_at') }}
                then won_amount
        end) as won_amount_within_window
    from stage_events
    group by person_id

),

breakdown_persons as (

    {%- for dimension, value_column in breakdowns.items() %}
        select
            '{{ dimension }}' as breakdown_dimension,
            coalesce({{ value_column }}, 'Unknown') as breakdown_value,
            persons.*
        from persons
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}

),

cohorts as (

    select
        breakdown_persons.breakdown_dimension,
        breakdown_persons.breakdown_value,
        cast({{ dbt.date_trunc(grain, 'breakdown_persons.lead_created_at') }} as date) as cohort_start_date,
        count(*) as leads_count,
        count(case
            when {{ dbt.dateadd('day', window_days, 'breakdown_persons.lead_created_at') }} <= as_of.as_of_end_at
                then 1
        end) as matured_leads_count,
        {%- for stage in later_stages %}
            count(case when breakdown_persons.{{ stage }}_at is not null then 1 end) as reached_{{ stage }}_count,
            count(case
                when breakdown_persons.{{ stage }}_at
                    < {{ dbt.dateadd('day', window_days, 'breakdown_persons.lead_created_at') }}
                    then 1
            end) as reached_{{ stage }}_within_window_count,
        {%- endfor %}
        coalesce(sum(breakdown_persons.won_amount), 0) as won_amount,
        coalesce(sum(breakdown_persons.won_amount_within_window), 0) as won_amount_within_window,
        sum(breakdown_persons.won_amount_within_window * breakdown_persons.won_amount_within_window)
            as won_amount_within_window_squares
    from breakdown_persons
    cross join as_of
    group by
        breakdown_persons.breakdown_dimension,
        breakdown_persons.breakdown_value,
        cast({{ dbt.date_trunc(grain, 'breakdown_persons.lead_created_at') }} as date)

),

final as (

    select
        cohorts.breakdown_dimension,
        cohorts.breakdown_value,
        '{{ grain }}' as period_grain,
        cohorts.cohort_start_date,
        {{ window_days }} as conversion_window_days,
        cohorts.leads_count,
        {%- for stage in later_stages %}
            cohorts.reached_{{ stage }}_count,
            cohorts.reached_{{ stage }}_within_window_count,
            {{ safe_divide('cohorts.reached_' ~ stage ~ '_count', 'cohorts.leads_count') }}
                as cohort_{{ stage }}_rate,
            {{ safe_divide('cohorts.reached_' ~ stage ~ '_within_window_count', 'cohorts.leads_count') }}
                as cohort_{{ stage }}_within_window_rate,
        {%- endfor %}
        cohorts.won_amount,
        cohorts.won_amount_within_window,
        {{ safe_divide(
            'cohorts.won_amount_within_window * cohorts.won_amount_within_window',
            'cohorts.won_amount_within_window_squares'
        ) }} as won_amount_within_window_effective_count,
        cohorts.matured_leads_count,
        {{ safe_divide('cohorts.matured_leads_count', 'cohorts.leads_count') }} as cohort_maturity_rate,
        cohorts.matured_leads_count = cohorts.leads_count as is_mature,
        {{ dbt.datediff('cohorts.cohort_start_date', 'as_of.as_of_date', 'day') }} as cohort_age_days
    from cohorts
    cross join as_of

)

select * from final

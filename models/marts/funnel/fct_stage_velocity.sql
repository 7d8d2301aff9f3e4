{#
    How fast persons move: per period and transition, the median, 75th
    percentile and mean days between consecutive milestones (the period is
    the one in which the later milestone was reached), and per period and
    opportunity stage the days spent in each completed stage visit (the
    period is the one in which the visit ended). Negative gaps (a later
    milestone recorded before an earlier one) are left out and counted.
#}
{%- set grain = funnel_period_grain() -%}
{%- set transitions = [
    ('lead', 'handled', 'lead_created_at', 'handled_at'),
    ('lead', 'appointment', 'lead_created_at', 'appointment_at'),
    ('handled', 'appointment', 'handled_at', 'appointment_at'),
    ('appointment', 'pipeline', 'appointment_at', 'pipeline_at'),
    ('pipeline', 'won', 'pipeline_at', 'won_at'),
    ('lead', 'won', 'lead_created_at', 'won_at'),
] -%}

with

leads as (

    select * from {{ ref('revenue_funnel', 'fct_funnel_leads') }}
    where not is_excluded

),

visits as (

    select * from {{ ref('revenue_funnel', 'int_opportunity_stage_visits') }}

),

opportunities as (

    select * from {{ ref('revenue_funnel', 'int_opportunity_outcomes') }}

),

milestone_gaps as (

    {%- for from_stage, to_stage, from_column, to_column in transitions %}
        select
            'milestone' as velocity_type,
            '{{ from_stage }}' as from_stage,
            '{{ to_stage }}' as to_stage,
            cast({{ dbt.date_trunc(grain, to_column) }} as date) as period_start_date,
            {{ days_between(from_column, to_column) }} as days_elapsed
        from leads
        where {{ from_column }} is not null and {{ to_column }} is not null
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}

),

stage_durations as (

    select
        'opportunity_stage' as velocity_type,
        visits.stage_name as from_stage,
        cast(null as {{ dbt.type_string() }}) as to_stage,
        cast({{ dbt.date_trunc(grain, 'visits.exited_at') }} as date) as period_start_date,
        visits.days_in_stage as days_elapsed
    from visits
    -- the same population as the milestones: opportunities of persons in the funnel
    inner join opportunities
        on visits.opportunity_id = opportunities.opportunity_id
    inner join leads
        on opportunities.person_id = leads.person_id
    where visits.exited_at is not null

),

all_gaps as (

    select * from milestone_gaps
    union all
    select * from stage_durations

),

final as (

    select
        velocity_type,
        from_stage,
        coalesce(to_stage, from_stage) as to_stage,
        '{{ grain }}' as period_grain,
        period_start_date,
        count(case when days_elapsed >= 0 then 1 end) as transitions_count,
        count(case when days_elapsed < 0 then 1 end) as negative_gap_count,
        avg(case when days_elapsed >= 0 then days_elapsed end) as mean_days,
        {{ percentile('case when days_elapsed >= 0 then days_elapsed end', 0.5) }} as median_days,
        {{ percentile('case when days_elapsed >= 0 then days_elapsed end', 0.75) }} as p75_days
    from all_gaps
    group by velocity_type, from_stage, coalesce(to_stage, from_stage), period_start_date

)

select * from final

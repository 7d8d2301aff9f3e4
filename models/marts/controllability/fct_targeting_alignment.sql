{#
    One shared target customer (ターゲティングの統一): per period, ICP tier,
    funnel stage and the department that accepted the work at that stage
    (lead owner, IS for handling and appointments, the opportunity owner for
    pipeline and won), how many persons reached the stage. Tier-level
    columns (tier_*) give the tier's count, its share of the stage and its
    conversion from the previous stage in the period view; they repeat on
    each department row - do not add them up. is_target_tier says whether
    the tier is one the company targets (var icp_target_tiers), so work
    accepted outside the ICP is visible by department.
#}
{%- set grain = funnel_period_grain() -%}
{%- set target_tiers = validated_var('icp_target_tiers', type='string_list') -%}
{%- set stages = [
    ('lead', 'lead_created_at', 'lead_owner_department', none),
    ('handled', 'handled_at', 'handled_by_department', 'lead'),
    ('appointment', 'appointment_at', 'appointment_by_department', 'lead'),
    ('pipeline', 'pipeline_at', 'pipeline_owner_department', 'appointment'),
    ('won', 'won_at', 'won_owner_department', 'pipeline'),
] -%}

with

leads as (

    select * from {{ ref('revenue_funnel', 'fct_funnel_leads') }}
    where not is_excluded

),

stage_reached as (

    {%- for stage, timestamp_column, department_column, previous_stage in stages %}
        select
            cast({{ dbt.date_trunc(grain, timestamp_column) }} as date) as period_start_date,
            coalesce(icp_tier, 'Unknown') as icp_tier,
            '{{ stage }}' as funnel_stage,
            {{ loop.index0 }} as stage_order,
            {{ "'" ~ previous_stage ~ "'" if previous_stage else 'cast(null as ' ~ dbt.type_string() ~ ')' }}
                as previous_stage,
            coalesce({{ department_column }}, 'Unassigned') as accepting_department
        from leads
        where {{ timestamp_column }} is not null
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}

),

stage_work as (

    select
        period_start_date,
        icp_tier,
        funnel_stage,
        stage_order,
        previous_stage,
        accepting_department,
        count(*) as reached_count
    from stage_reached
    group by period_start_date, icp_tier, funnel_stage, stage_order, previous_stage, accepting_department

),

tier_totals as (

    select
        period_start_date,
        icp_tier,
        funnel_stage,
        cast(sum(reached_count) as {{ dbt.type_bigint() }}) as tier_stage_count
    from stage_work
    group by period_start_date, icp_tier, funnel_stage

),

stage_totals as (

    select
        period_start_date,
        funnel_stage,
        cast(sum(reached_count) as {{ dbt.type_bigint() }}) as stage_count
    from stage_work
    group by period_start_date, funnel_stage

),

final as (

    select
        stage_work.period_start_date,
        '{{ grain }}' as period_grain,
        stage_work.icp_tier,
        stage_work.icp_tier in {{ sql_string_list(target_tiers) }} as is_target_tier,
        stage_work.funnel_stage,
        stage_work.stage_order,
        stage_work.accepting_department,
        stage_work.reached_count,
        tier_totals.tier_stage_count,
        {{ safe_divide('tier_totals.tier_stage_count', 'stage_totals.stage_count') }} as tier_share_of_stage,
        {{ safe_divide('tier_totals.tier_stage_count', 'previous_tier.tier_stage_count') }}
            as tier_conversion_from_previous_stage
    from stage_work
    inner join tier_totals
        on stage_work.period_start_date = tier_totals.period_start_date
            and stage_work.icp_tier = tier_totals.icp_tier
            and stage_work.funnel_stage = tier_totals.funnel_stage
    inner join stage_totals
        on stage_work.period_start_date = stage_totals.period_start_date
            and stage_work.funnel_stage = stage_totals.funnel_stage
    left join tier_totals as previous_tier
        on stage_work.period_start_date = previous_tier.period_start_date
            and stage_work.icp_tier = previous_tier.icp_tier
            and stage_work.previous_stage = previous_tier.funnel_stage

)

select * from final

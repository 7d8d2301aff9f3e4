{#
    One row per person and funnel stage reached: the long form of
    fct_funnel_leads that period counts are made from, so every mart counts
    a stage the same way. Excluded leads (test, deleted, duplicate persons,
    created after the as-of date) are not here.
#}
with

leads as (

    select * from {{ ref('fct_funnel_leads') }}
    where not is_excluded

),

stages as (

    select * from {{ ref('funnel_stages') }}

),

unpivoted as (

    {%- for stage in ['lead', 'handled', 'appointment', 'pipeline', 'won'] %}
        select
            person_id,
            '{{ stage }}' as funnel_stage,
            {{ 'lead_created_at' if stage == 'lead' else stage ~ '_at' }} as reached_at,
            {{ 'won_amount' if stage == 'won' else 'cast(null as ' ~ type_double() ~ ')' }} as won_amount,
            source_channel,
            icp_tier,
            employee_segment,
            lead_created_at
        from leads
        where {{ 'lead_created_at' if stage == 'lead' else stage ~ '_at' }} is not null
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}

),

final as (

    select
        unpivoted.person_id,
        unpivoted.funnel_stage,
        stages.stage_order,
        unpivoted.reached_at,
        cast(unpivoted.reached_at as date) as reached_date,
        unpivoted.won_amount,
        unpivoted.source_channel,
        unpivoted.icp_tier,
        unpivoted.employee_segment,
        unpivoted.lead_created_at
    from unpivoted
    inner join stages
        on unpivoted.funnel_stage = stages.funnel_stage

)

select * from final

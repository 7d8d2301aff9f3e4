{#
    One row per person and funnel stage reached: the long form of
    fct_funnel_leads that period counts are made from, so every mart counts
    a stage the same way. Excluded leads (test, deleted, duplicate persons,
    created after the as-of date) are not here. Persons who entered as a
    contact without a lead (entry_point = 'contact') are here from the first
    stage after the lead they reached: they count at handled, appointment,
    pipeline and won, never at lead, and have no lead cohort.
#}
with

leads as (

    select * from {{ ref('revenue_funnel', 'fct_funnel_leads') }}
    where not is_excluded

),

stages as (

    select * from {{ config_table('funnel_stages') }}

),

identities as (

    select * from {{ ref('revenue_funnel', 'int_person_identities') }}

),

contacts as (

    select * from {{ ref('revenue_funnel', 'stg_salesforce__contacts') }}

),

milestones as (

    select * from {{ ref('revenue_funnel', 'int_person_milestones') }}

),

tiers as (

    select * from {{ ref('revenue_funnel', 'int_icp_tiers') }}

),

as_of as (

    select * from {{ ref('revenue_funnel', 'int_as_of_date') }}

),

persons as (

    select
        person_id,
        'lead' as entry_point,
        lead_created_at,
        handled_at,
        appointment_at,
        pipeline_at,
        won_at,
        won_amount,
        source_channel,
        icp_tier,
        employee_segment
    from leads

    union all

    select
        milestones.person_id,
        'contact' as entry_point,
        cast(null as {{ dbt.type_timestamp() }}) as lead_created_at,
        milestones.handled_at,
        milestones.appointment_at,
        milestones.pipeline_at,
        milestones.won_at,
        milestones.won_amount,
        -- no lead, so no source touch
        'Unattributed' as source_channel,
        account_tier.icp_tier,
        account_tier.employee_segment
    from milestones
    inner join identities
        on milestones.person_id = identities.record_id
            and identities.person_entry_point = 'contact'
    inner join contacts
        on identities.record_id = contacts.contact_id
    cross join as_of
    left join tiers as account_tier
        on contacts.account_id = account_tier.subject_id
            and account_tier.subject_type = 'account'
    where contacts.created_at < as_of.as_of_end_at

),

unpivoted as (

    {%- for stage in ['lead', 'handled', 'appointment', 'pipeline', 'won'] %}
        select
            person_id,
            entry_point,
            '{{ stage }}' as funnel_stage,
            {{ 'lead_created_at' if stage == 'lead' else stage ~ '_at' }} as reached_at,
            {{ 'won_amount' if stage == 'won' else 'cast(null as ' ~ type_double() ~ ')' }} as won_amount,
            source_channel,
            icp_tier,
            employee_segment,
            lead_created_at
        from persons
        where {{ 'lead_created_at' if stage == 'lead' else stage ~ '_at' }} is not null
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}

),

final as (

    select
        unpivoted.person_id,
        unpivoted.entry_point,
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

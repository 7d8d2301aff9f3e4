{#
    One row per stage event: per person and funnel stage reached, except won,
    which has one row per won deal (a person's repeat wins are dated in their
    own periods, with their own amounts; reach_sequence = 1 is the person's
    first reach of a stage, so persons are counted on it): the lead, then
    int_person_stages for the persons the funnel counts, with their source
    channel, tier and segment. Period counts are made from it, so every mart
    counts a stage the same way. Excluded leads (test, deleted, duplicate persons,
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

contact_persons as (

    select * from {{ ref('revenue_funnel', 'int_contact_entry_persons') }}

),

person_stages as (

    select * from {{ ref('revenue_funnel', 'int_person_stages') }}

),

persons as (

    select
        person_id,
        'lead' as entry_point,
        lead_created_at,
        source_channel,
        icp_tier,
        employee_segment
    from leads

    union all

    select
        person_id,
        'contact' as entry_point,
        cast(null as {{ dbt.type_timestamp() }}) as lead_created_at,
        -- no lead, so no source touch
        'Unattributed' as source_channel,
        icp_tier,
        employee_segment
    from contact_persons

),

unpivoted as (

    select
        person_id,
        entry_point,
        'lead' as funnel_stage,
        1 as reach_sequence,
        cast(null as {{ dbt.type_string() }}) as opportunity_id,
        lead_created_at as reached_at,
        cast(null as {{ type_double() }}) as won_amount,
        source_channel,
        icp_tier,
        employee_segment,
        lead_created_at
    from persons
    where
        entry_point = 'lead'
        and lead_created_at is not null

    union all

    select
        persons.person_id,
        persons.entry_point,
        person_stages.funnel_stage,
        person_stages.reach_sequence,
        person_stages.opportunity_id,
        person_stages.reached_at,
        person_stages.won_amount,
        persons.source_channel,
        persons.icp_tier,
        persons.employee_segment,
        persons.lead_created_at
    from persons
    inner join person_stages
        on persons.person_id = person_stages.person_id

),

final as (

    select
        unpivoted.person_id,
        unpivoted.entry_point,
        unpivoted.funnel_stage,
        stages.stage_order,
        cast(unpivoted.reach_sequence as integer) as reach_sequence,
        unpivoted.opportunity_id,
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

{#
    One row per campaign response (a touch) with the person it belongs to,
    whether the response was recorded on the lead or, after conversion, on the
    contact. Memberships without a response are not touches.
#}
with

members as (

    select * from {{ ref('revenue_funnel', 'stg_salesforce__campaign_members') }}

),

campaigns as (

    select * from {{ ref('revenue_funnel', 'stg_salesforce__campaigns') }}

),

identities as (

    select * from {{ ref('revenue_funnel', 'int_person_identities') }}

),

as_of as (

    select * from {{ ref('revenue_funnel', 'int_as_of_date') }}

),

responses as (

    select
        members.campaign_member_id,
        members.campaign_id,
        members.lead_id,
        members.contact_id,
        -- the response date has no time: a response counts from the start of its day
        coalesce(cast(members.first_responded_date as {{ dbt.type_timestamp() }}), members.created_at) as touched_at
    from members
    where members.has_responded

),

final as (

    select
        responses.campaign_member_id,
        coalesce(lead_identity.person_id, contact_identity.person_id) as person_id,
        responses.campaign_id,
        coalesce(campaigns.campaign_type, 'Unknown') as channel,
        case when lead_identity.person_id is not null then 'lead' else 'contact' end as touched_record_type,
        responses.touched_at
    from responses
    cross join as_of
    left join identities as lead_identity
        on responses.lead_id = lead_identity.record_id
    left join identities as contact_identity
        on responses.contact_id = contact_identity.record_id
    left join campaigns
        on responses.campaign_id = campaigns.campaign_id
    where
        coalesce(lead_identity.person_id, contact_identity.person_id) is not null
        and responses.touched_at < as_of.as_of_end_at

)

select * from final

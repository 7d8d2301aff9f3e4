{#
    Maps every lead or contact record id to one person: the lead through which
    the human entered the funnel. Merged-away leads and contacts map to their
    survivor (chains of up to three merges), and a contact maps to the lead
    converted into it, so activities and campaign responses logged on either
    record reach the same person. When several leads were converted into the
    same contact, the earliest lead is the person and the later ones are
    flagged as duplicate persons. Only a lead marked is_converted counts as
    converted: an export's empty converted_contact_id on an open lead never
    joins leads into one person. A contact no converted lead points at (created
    directly, imported, or converted from a lead outside the export) is a
    person of its own, entering the funnel as a contact (person_entry_point).
#}
with

leads as (

    select * from {{ ref('revenue_funnel', 'stg_salesforce__leads') }}

),

contacts as (

    select * from {{ ref('revenue_funnel', 'stg_salesforce__contacts') }}

),

record_merges as (

    select * from {{ ref('revenue_funnel', 'stg_salesforce__record_merges') }}

),

merges_resolved as (

    select
        first_merge.merged_record_id,
        first_merge.object_type,
        coalesce(third_merge.master_record_id, second_merge.master_record_id, first_merge.master_record_id)
            as surviving_record_id
    from record_merges as first_merge
    left join record_merges as second_merge
        on first_merge.master_record_id = second_merge.merged_record_id
    left join record_merges as third_merge
        on second_merge.master_record_id = third_merge.merged_record_id

),

lead_persons as (

    select
        lead_id,
        converted_contact_id,
        first_value(lead_id) over (
            partition by coalesce(converted_contact_id, lead_id)
            order by created_at, lead_id
        ) as person_id
    from (
        select
            lead_id,
            created_at,
            case when is_converted then converted_contact_id end as converted_contact_id
        from leads
    ) as converted_leads

),

identities as (

    select
        lead_id as record_id,
        person_id,
        'lead' as record_type,
        'lead' as person_entry_point
    from lead_persons

    union all

    -- one row per converted contact, shared by all the leads converted into it
    select distinct
        converted_contact_id as record_id,
        person_id,
        'contact' as record_type,
        'lead' as person_entry_point
    from lead_persons
    where converted_contact_id is not null

    union all

    -- contacts that no lead of the export was converted into
    select
        contacts.contact_id as record_id,
        contacts.contact_id as person_id,
        'contact' as record_type,
        'contact' as person_entry_point
    from contacts
    left join lead_persons
        on contacts.contact_id = lead_persons.converted_contact_id
    where lead_persons.converted_contact_id is null

),

merged_identities as (

    select
        merges_resolved.merged_record_id as record_id,
        identities.person_id,
        case identities.record_type when 'lead' then 'lead_merged' else 'contact_merged' end as record_type,
        identities.person_entry_point
    from merges_resolved
    inner join identities
        on merges_resolved.surviving_record_id = identities.record_id

),

final as (

    select * from identities
    union all
    select * from merged_identities

)

select * from final

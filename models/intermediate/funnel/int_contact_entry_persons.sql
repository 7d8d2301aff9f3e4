{#
    One row per person who entered the CRM as a contact no lead of the export
    was converted into (created by the as-of date): their milestones and their
    account's ICP tier. They join the funnel from handled on: no lead row, no
    lead cohort, no source campaign.
#}
with

milestones as (

    select * from {{ ref('revenue_funnel', 'int_person_milestones') }}

),

identities as (

    select * from {{ ref('revenue_funnel', 'int_person_identities') }}

),

contacts as (

    select * from {{ ref('revenue_funnel', 'stg_salesforce__contacts') }}

),

tiers as (

    select * from {{ ref('revenue_funnel', 'int_icp_tiers') }}

),

as_of as (

    select * from {{ ref('revenue_funnel', 'int_as_of_date') }}

),

final as (

    select
        milestones.person_id,
        milestones.handled_at,
        milestones.appointment_at,
        milestones.pipeline_at,
        milestones.won_at,
        account_tier.icp_tier,
        account_tier.employee_segment
    from milestones
    inner join identities
        on
            milestones.person_id = identities.record_id
            and identities.person_entry_point = 'contact'
    inner join contacts
        on identities.record_id = contacts.contact_id
    cross join as_of
    left join tiers as account_tier
        on
            contacts.account_id = account_tier.subject_id
            and account_tier.subject_type = 'account'
    where contacts.created_at < as_of.as_of_end_at

)

select * from final

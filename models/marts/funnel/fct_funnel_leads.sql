{#
    One row per lead: the person's journey lead -> handled -> appointment ->
    pipeline -> won, with days between milestones, source campaign, ICP tier,
    the department at each milestone, and the flags that exclude a lead from
    the funnel counts. Milestones belong to the person's first lead; later
    leads of the same human are kept here as excluded duplicate persons. A lead
    created before var plausible_date_min (a lead dated 1900) is excluded too,
    so it opens no run of empty periods; audit_funnel_exclusions counts it.
#}
{%- set bounds = plausibility_bounds() %}
with

leads as (

    select * from {{ ref('revenue_funnel', 'stg_salesforce__leads') }}

),

identities as (

    select * from {{ ref('revenue_funnel', 'int_person_identities') }}

),

milestones as (

    select * from {{ ref('revenue_funnel', 'int_person_milestones') }}

),

touches as (

    select * from {{ ref('revenue_funnel', 'int_campaign_touches') }}

),

tiers as (

    select * from {{ ref('revenue_funnel', 'int_icp_tiers') }}

),

departments as (

    select * from {{ ref('revenue_funnel', 'int_users_departments') }}

),

as_of as (

    select * from {{ ref('revenue_funnel', 'int_as_of_date') }}

),

lead_persons as (

    select
        leads.*,
        identities.person_id
    from leads
    inner join identities
        on leads.lead_id = identities.record_id
            and identities.record_type = 'lead'

),

-- the response that brought the person in: the earliest touch on or before
-- the day the lead was created (ties broken by member id for a stable answer)
source_touches as (

    select
        touches.person_id,
        touches.campaign_id,
        touches.channel,
        row_number() over (
            partition by touches.person_id
            order by touches.touched_at, touches.campaign_member_id
        ) as touch_rank
    from touches
    inner join lead_persons
        on touches.person_id = lead_persons.lead_id
    where cast(touches.touched_at as date) <= cast(lead_persons.created_at as date)

),

joined as (

    select
        lead_persons.lead_id,
        lead_persons.person_id,
        lead_persons.converted_contact_id as contact_id,
        lead_persons.converted_account_id as account_id,
        milestones.primary_opportunity_id as opportunity_id,
        lead_persons.owner_user_id,
        coalesce(lead_owner.department, 'Unassigned') as lead_owner_department,
        source_touches.campaign_id as source_campaign_id,
        coalesce(source_touches.channel, 'Unattributed') as source_channel,
        lead_persons.lead_source,
        coalesce(account_tier.icp_tier, lead_tier.icp_tier) as icp_tier,
        coalesce(account_tier.employee_segment, lead_tier.employee_segment) as employee_segment,
        lead_persons.industry,
        lead_persons.lead_status,
        lead_persons.lead_rating,
        lead_persons.disqualification_reason,
        lead_persons.lead_id = lead_persons.person_id as is_person_lead,
        lead_persons.is_test_lead,
        lead_persons.is_deleted,
        lead_persons.owner_user_id is null as has_missing_owner,
        lead_persons.created_at >= as_of.as_of_end_at as is_created_after_as_of,
        lead_persons.created_at < {{ bounds.date_min }} as is_created_before_plausible_date,
        lead_persons.created_at as lead_created_at,
        milestones.handled_at,
        milestones.appointment_at,
        milestones.pipeline_at,
        milestones.won_at,
        milestones.lost_at,
        milestones.handled_by_department,
        milestones.appointment_by_department,
        milestones.pipeline_owner_department,
        milestones.won_owner_department,
        milestones.won_amount,
        milestones.first_won_amount_local,
        milestones.first_won_currency_code,
        milestones.first_won_conversion_rate_source,
        coalesce(milestones.opportunity_count, 0) as opportunity_count,
        coalesce(milestones.won_opportunity_count, 0) as won_opportunity_count,
        coalesce(milestones.has_reopened_opportunity, false) as has_reopened_opportunity,
        coalesce(milestones.has_missing_exchange_rate, false) as has_missing_exchange_rate
    from lead_persons
    cross join as_of
    -- a later lead of the same human does not repeat the person's milestones
    left join milestones
        on lead_persons.person_id = milestones.person_id
            and lead_persons.lead_id = lead_persons.person_id
    left join source_touches
        on lead_persons.person_id = source_touches.person_id
            and lead_persons.lead_id = lead_persons.person_id
            and source_touches.touch_rank = 1
    left join tiers as account_tier
        on lead_persons.converted_account_id = account_tier.subject_id
            and account_tier.subject_type = 'account'
    left join tiers as lead_tier
        on lead_persons.lead_id = lead_tier.subject_id
            and lead_tier.subject_type = 'lead'
    left join departments as lead_owner
        on {{ user_department_at('lead_owner', 'lead_persons.owner_user_id', 'lead_persons.created_at') }}

),

final as (

    select
        ---------- ids
        lead_id,
        person_id,
        contact_id,
        account_id,
        opportunity_id,
        owner_user_id,
        source_campaign_id,

        ---------- strings
        source_channel,
        lead_source,
        icp_tier,
        employee_segment,
        industry,
        lead_status,
        lead_rating,
        disqualification_reason,
        lead_owner_department,
        handled_by_department,
        appointment_by_department,
        pipeline_owner_department,
        won_owner_department,
        first_won_currency_code,
        first_won_conversion_rate_source,

        ---------- numerics
        {{ days_between('lead_created_at', 'handled_at') }} as days_from_lead_to_handled,
        {{ days_between('lead_created_at', 'appointment_at') }} as days_from_lead_to_appointment,
        {{ days_between('appointment_at', 'pipeline_at') }} as days_from_appointment_to_pipeline,
        {{ days_between('pipeline_at', 'won_at') }} as days_from_pipeline_to_won,
        {{ days_between('lead_created_at', 'won_at') }} as days_from_lead_to_won,
        won_amount,
        first_won_amount_local,
        opportunity_count,
        won_opportunity_count,

        ---------- booleans
        handled_at is not null as has_reached_handled,
        appointment_at is not null as has_reached_appointment,
        pipeline_at is not null as has_reached_pipeline,
        won_at is not null as has_reached_won,
        lost_at is not null as is_lost,
        pipeline_at is not null and appointment_at is null as has_skipped_appointment,
        has_reopened_opportunity,
        has_missing_exchange_rate,
        has_missing_owner,
        is_test_lead,
        is_deleted,
        not is_person_lead as is_duplicate_person,
        is_created_after_as_of,
        is_created_before_plausible_date,
        (
            is_test_lead or is_deleted or not is_person_lead or is_created_after_as_of
            or is_created_before_plausible_date
        ) as is_excluded,

        ---------- dates
        cast(lead_created_at as date) as lead_created_date,

        ---------- timestamps
        lead_created_at,
        handled_at,
        appointment_at,
        pipeline_at,
        won_at,
        lost_at

    from joined

)

select * from final

{{ incremental_staging_config('base_salesforce__campaign_member', 'campaign_member_id') }}

with source as (

    select * from {{ ref('revenue_funnel', 'base_salesforce__campaign_member') }}
    where exclusion_reason is null {{ incremental_staging_filter(salesforce_base_loaded_at('campaign_member')) }}

),

renamed as (

    select
        ---------- ids
        id as campaign_member_id,
        campaign_id,
        lead_id,
        contact_id,

        ---------- strings
        status as member_status,

        ---------- booleans
        coalesce(has_responded, false) as has_responded,
        is_deleted_record as is_deleted,

        ---------- dates
        first_responded_date,

        ---------- timestamps
        created_date as created_at,
        system_modstamp as modified_at,
        _fivetran_synced as loaded_at

    from source

)

select * from renamed

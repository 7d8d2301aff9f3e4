with source as (

    select * from {{ ref('revenue_funnel', 'base_salesforce__opportunity_contact_role') }}
    where exclusion_reason is null

),

renamed as (

    select
        ---------- ids
        id as opportunity_contact_role_id,
        opportunity_id,
        contact_id,

        ---------- strings
        role as contact_role,

        ---------- booleans
        coalesce(is_primary, false) as is_primary,
        is_deleted_record as is_deleted,

        ---------- timestamps
        created_date as created_at,
        system_modstamp as modified_at,
        _fivetran_synced as loaded_at

    from source

)

select * from renamed

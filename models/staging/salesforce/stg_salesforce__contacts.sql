with source as (

    select * from {{ ref('revenue_funnel', 'base_salesforce__contact') }}
    where exclusion_reason is null

),

renamed as (

    select
        ---------- ids
        id as contact_id,
        account_id,
        owner_id as owner_user_id,

        ---------- strings
        first_name,
        last_name,
        email,
        title,
        lead_source,

        ---------- booleans
        is_deleted_record as is_deleted,

        ---------- timestamps
        created_date as created_at,
        system_modstamp as modified_at,
        _fivetran_synced as loaded_at

    from source

)

select * from renamed

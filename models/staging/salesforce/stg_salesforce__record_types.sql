with source as (

    select * from {{ ref('revenue_funnel', 'base_salesforce__record_type') }}
    where exclusion_reason is null

),

renamed as (

    select
        ---------- ids
        id as record_type_id,

        ---------- strings
        name as record_type_name,
        developer_name as record_type_developer_name,
        sobject_type as record_type_object,

        ---------- booleans
        coalesce(is_active, true) as is_active,

        ---------- timestamps
        system_modstamp as modified_at,
        _fivetran_synced as loaded_at

    from source

)

select * from renamed

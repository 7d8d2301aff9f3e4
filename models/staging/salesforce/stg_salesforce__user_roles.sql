with source as (

    select * from {{ ref('revenue_funnel', 'base_salesforce__user_role') }}
    where exclusion_reason is null

),

renamed as (

    select
        ---------- ids
        id as user_role_id,
        parent_role_id as parent_user_role_id,

        ---------- strings
        name as user_role_name,
        developer_name as user_role_developer_name,

        ---------- timestamps
        system_modstamp as modified_at,
        _fivetran_synced as loaded_at

    from source

)

select * from renamed

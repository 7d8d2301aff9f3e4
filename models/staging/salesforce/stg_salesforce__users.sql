with source as (

    select * from {{ ref('revenue_funnel', 'base_salesforce__user') }}
    where exclusion_reason is null

),

renamed as (

    select
        ---------- ids
        id as user_id,
        user_role_id,

        ---------- strings
        name as user_name,
        email,
        title,
        department as department_field,

        ---------- booleans
        coalesce(is_active, false) as is_active,

        ---------- timestamps
        created_date as created_at,
        system_modstamp as modified_at,
        _fivetran_synced as loaded_at

    from source

)

select * from renamed

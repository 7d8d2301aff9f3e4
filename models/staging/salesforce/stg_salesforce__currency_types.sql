with source as (

    select * from {{ ref('revenue_funnel', 'base_salesforce__currency_type') }}
    where exclusion_reason is null

),

renamed as (

    select
        ---------- ids
        id as currency_type_id,

        ---------- strings
        upper(iso_code) as currency_code,

        ---------- numerics
        conversion_rate,
        decimal_places,

        ---------- booleans
        coalesce(is_corporate, false) as is_corporate,
        coalesce(is_active, false) as is_active,

        ---------- timestamps
        created_date as created_at,
        system_modstamp as modified_at,
        _fivetran_synced as loaded_at

    from source

)

select * from renamed

with source as (

    select * from {{ ref('revenue_funnel', 'base_salesforce__dated_conversion_rate') }}
    where exclusion_reason is null

),

renamed as (

    select
        ---------- ids
        id as dated_conversion_rate_id,

        ---------- strings
        upper(iso_code) as currency_code,

        ---------- numerics
        conversion_rate,

        ---------- dates
        start_date,
        next_start_date,

        ---------- timestamps
        created_date as created_at,
        system_modstamp as modified_at,
        _fivetran_synced as loaded_at

    from source

)

select * from renamed

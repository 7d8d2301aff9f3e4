with source as (

    select * from {{ ref('revenue_funnel', 'base_salesforce__account') }}
    where exclusion_reason is null

),

renamed as (

    select
        ---------- ids
        id as account_id,
        parent_id as parent_account_id,
        owner_id as owner_user_id,

        ---------- strings
        name as account_name,
        industry,
        billing_country,
        type as account_type,
        upper(currency_iso_code) as currency_code,

        ---------- numerics
        number_of_employees as employee_count,
        annual_revenue as annual_revenue_amount_local,

        ---------- booleans
        is_deleted_record as is_deleted,

        ---------- timestamps
        created_date as created_at,
        system_modstamp as modified_at,
        _fivetran_synced as loaded_at

    from source

)

select * from renamed

with source as (

    select * from {{ ref('revenue_funnel', 'base_salesforce__opportunity') }}
    where exclusion_reason is null

),

renamed as (

    select
        ---------- ids
        id as opportunity_id,
        account_id,
        contact_id,
        campaign_id,
        record_type_id,
        owner_id as owner_user_id,

        ---------- strings
        name as opportunity_name,
        stage_name,
        type as opportunity_type,
        lead_source,
        forecast_category,
        loss_reason_c as loss_reason,
        upper(currency_iso_code) as currency_code,

        ---------- numerics
        amount as amount_local,
        probability / 100.0 as probability_rate,

        ---------- booleans
        coalesce(is_closed, false) as is_closed,
        coalesce(is_won, false) as is_won,
        is_deleted_record as is_deleted,

        ---------- dates
        close_date,

        ---------- timestamps
        created_date as created_at,
        system_modstamp as modified_at,
        _fivetran_synced as loaded_at

    from source

)

select * from renamed

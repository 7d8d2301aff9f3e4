with source as (

    select * from {{ ref('revenue_funnel', 'base_salesforce__campaign') }}
    where exclusion_reason is null

),

renamed as (

    select
        ---------- ids
        id as campaign_id,
        parent_id as parent_campaign_id,
        owner_id as owner_user_id,

        ---------- strings
        name as campaign_name,
        type as campaign_type,
        status as campaign_status,
        upper(currency_iso_code) as currency_code,

        ---------- numerics
        budgeted_cost as budgeted_cost_amount_local,
        actual_cost as actual_cost_amount_local,
        expected_response / 100.0 as expected_response_rate,

        ---------- booleans
        coalesce(is_active, false) as is_active,
        is_deleted_record as is_deleted,

        ---------- dates
        start_date,
        end_date,

        ---------- timestamps
        created_date as created_at,
        system_modstamp as modified_at,
        _fivetran_synced as loaded_at

    from source

)

select * from renamed

{{ incremental_staging_config('base_salesforce__opportunity_history', 'opportunity_history_id') }}

with source as (

    select * from {{ ref('revenue_funnel', 'base_salesforce__opportunity_history') }}
    where exclusion_reason is null {{ incremental_staging_filter(salesforce_base_loaded_at('opportunity_history')) }}

),

renamed as (

    select
        ---------- ids
        id as opportunity_history_id,
        opportunity_id,
        created_by_id as changed_by_user_id,

        ---------- strings
        stage_name,
        forecast_category,

        ---------- numerics
        amount as amount_local,
        probability / 100.0 as probability_rate,

        ---------- booleans
        is_deleted_record as is_deleted,

        ---------- dates
        close_date,

        ---------- timestamps
        created_date as changed_at,
        system_modstamp as modified_at,
        _fivetran_synced as loaded_at

    from source

)

select * from renamed

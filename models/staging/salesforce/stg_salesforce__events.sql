{{ incremental_staging_config('base_salesforce__event', 'event_id') }}

with source as (

    select * from {{ ref('revenue_funnel', 'base_salesforce__event') }}
    where exclusion_reason is null {{ incremental_staging_filter(salesforce_base_loaded_at('event')) }}

),

renamed as (

    select
        ---------- ids
        id as event_id,
        who_id,
        what_id,
        owner_id as owner_user_id,

        ---------- strings
        subject,
        type as event_type,
        event_subtype,

        ---------- booleans
        is_deleted_record as is_deleted,

        ---------- timestamps
        start_date_time as starts_at,
        end_date_time as ends_at,
        created_date as created_at,
        system_modstamp as modified_at,
        _fivetran_synced as loaded_at

    from source

)

select * from renamed

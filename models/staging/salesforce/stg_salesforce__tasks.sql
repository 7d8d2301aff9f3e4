{{ incremental_staging_config('base_salesforce__task', 'task_id') }}

with source as (

    select * from {{ ref('revenue_funnel', 'base_salesforce__task') }}
    where exclusion_reason is null {{ incremental_staging_filter(salesforce_base_loaded_at('task')) }}

),

renamed as (

    select
        ---------- ids
        id as task_id,
        who_id,
        what_id,
        owner_id as owner_user_id,

        ---------- strings
        subject,
        type as task_type,
        task_subtype,
        status as task_status,

        ---------- numerics
        call_duration_in_seconds as call_duration_seconds,

        ---------- booleans
        is_deleted_record as is_deleted,

        ---------- dates
        activity_date,

        ---------- timestamps
        created_date as created_at,
        system_modstamp as modified_at,
        _fivetran_synced as loaded_at

    from source

)

select * from renamed

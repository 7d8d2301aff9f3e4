{#
    One row per lead kept by base_salesforce__lead, renamed and typed, with the
    test-lead flag. Incremental like the other large staging models: a run
    takes the leads loaded since the newest stored load minus the lookback and
    replaces them (delete+insert), after deleting the leads the base model no
    longer keeps. The flag depends on two vars, so a run first counts the
    stored leads whose flag the current vars would change; when there is one,
    the run takes every lead again.
#}
{{ incremental_staging_config('base_salesforce__lead', 'lead_id') }}
{%- set test_domains = validated_var('test_lead_email_domains', type='string_list') -%}
{%- set test_names = validated_var('test_lead_names', type='string_list') -%}
{#- coalesce: a lead without email, last name or company is not a test lead -#}
{%- set is_test_lead -%}
    coalesce(
        email_domain in {{ sql_string_list(test_domains | map('lower') | list) }}
        or lower(last_name) in {{ sql_string_list(test_names | map('lower') | list) }}
        or lower(company_name) in {{ sql_string_list(test_names | map('lower') | list) }},
        false
    )
{%- endset -%}
{%- set loaded_at = salesforce_base_loaded_at('lead') -%}
{%- set flags_are_current = true -%}
{%- if is_incremental() and execute -%}
    {%- set stale_flags = run_query(
        'select count(*) from ' ~ this ~ ' where is_test_lead != ' ~ is_test_lead
    ).rows[0][0] -%}
    {%- set flags_are_current = stale_flags == 0 -%}
{%- endif %}

with source as (

    select * from {{ ref('revenue_funnel', 'base_salesforce__lead') }}
    where exclusion_reason is null {{ incremental_staging_filter(loaded_at) if flags_are_current }}

),

renamed as (

    select
        ---------- ids
        id as lead_id,
        owner_id as owner_user_id,
        converted_contact_id,
        converted_account_id,
        converted_opportunity_id,

        ---------- strings
        first_name,
        last_name,
        email,
        lower({{ dbt.split_part('email', "'@'", 2) }}) as email_domain,
        company as company_name,
        title,
        industry,
        country,
        lead_source,
        status as lead_status,
        rating as lead_rating,
        disqualification_reason_c as disqualification_reason,
        upper(currency_iso_code) as currency_code,

        ---------- numerics
        number_of_employees as employee_count,

        ---------- booleans
        -- an export without IsConverted: a lead that names its converted contact was converted
        coalesce(is_converted, converted_contact_id is not null) as is_converted,
        is_deleted_record as is_deleted,

        ---------- dates
        converted_date,

        ---------- timestamps
        created_date as created_at,
        system_modstamp as modified_at,
        _fivetran_synced as loaded_at

    from source

),

flagged as (

    select
        *,
        {{ is_test_lead }} as is_test_lead
    from renamed

)

select * from flagged

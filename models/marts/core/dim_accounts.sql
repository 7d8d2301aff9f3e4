{#
    One row per account with its ICP tier and employee segment (seeds
    icp_rules, employee_segments). Company names are business data, not
    personal data, and stay. An account that leads, contacts or opportunities
    point at but the export does not hold (not synced) is an inferred member,
    'Unknown account' with tier and segment Unknown, so BI joins keep the rows
    that reference it (counted in audit_funnel_exclusions).
#}
with

accounts as (

    select * from {{ ref('revenue_funnel', 'stg_salesforce__accounts') }}

),

tiers as (

    select * from {{ ref('revenue_funnel', 'int_icp_tiers') }}
    where subject_type = 'account'

),

leads as (

    select * from {{ ref('revenue_funnel', 'stg_salesforce__leads') }}

),

contacts as (

    select * from {{ ref('revenue_funnel', 'stg_salesforce__contacts') }}

),

opportunities as (

    select * from {{ ref('revenue_funnel', 'stg_salesforce__opportunities') }}

),

referenced_accounts as (

    select converted_account_id as account_id from leads
    where is_converted and converted_account_id is not null
    union
    select account_id from contacts
    where account_id is not null
    union
    select account_id from opportunities
    where account_id is not null

),

final as (

    select
        accounts.account_id,
        accounts.parent_account_id,
        accounts.owner_user_id,
        accounts.account_name,
        accounts.industry,
        accounts.billing_country,
        accounts.account_type,
        tiers.icp_tier,
        tiers.employee_segment,
        accounts.employee_count,
        accounts.created_at,
        false as is_inferred_member
    from accounts
    inner join tiers
        on accounts.account_id = tiers.subject_id

    union all

    select
        referenced_accounts.account_id,
        cast(null as {{ dbt.type_string() }}) as parent_account_id,
        cast(null as {{ dbt.type_string() }}) as owner_user_id,
        'Unknown account' as account_name,
        cast(null as {{ dbt.type_string() }}) as industry,
        cast(null as {{ dbt.type_string() }}) as billing_country,
        cast(null as {{ dbt.type_string() }}) as account_type,
        'Unknown' as icp_tier,
        'Unknown' as employee_segment,
        cast(null as {{ dbt.type_bigint() }}) as employee_count,
        cast(null as {{ dbt.type_timestamp() }}) as created_at,
        true as is_inferred_member
    from referenced_accounts
    left join accounts
        on referenced_accounts.account_id = accounts.account_id
    where accounts.account_id is null

)

select * from final

{#
    One row per account with its ICP tier and employee segment (seeds
    icp_rules, employee_segments). Company names are business data, not
    personal data, and stay.
#}
with

accounts as (

    select * from {{ ref('stg_salesforce__accounts') }}

),

tiers as (

    select * from {{ ref('int_icp_tiers') }}
    where subject_type = 'account'

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
        accounts.created_at
    from accounts
    inner join tiers
        on accounts.account_id = tiers.subject_id

)

select * from final

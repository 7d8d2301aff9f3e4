{{ config(severity='warn') }}
{#
    Won deals with an amount no real deal has: below zero (a refund keyed as a
    deal, a sign error: a won amount of -5,000,000) or above var
    opportunity_amount_max (corporate currency; a stray digit). They stay in the
    funnel - the CRM is the system of record - and move the headline won amount,
    so the build warns and names them; audit_funnel_exclusions counts them
    (negative_amount, amount_above_plausible_max).
#}
{%- set bounds = plausibility_bounds() %}

with

outcomes as (

    select * from {{ ref('revenue_funnel', 'int_opportunity_outcomes') }}

),

final as (

    select
        opportunity_id,
        person_id,
        amount,
        case when amount < 0 then 'negative_amount' else 'amount_above_plausible_max' end as problem
    from outcomes
    where
        won_at is not null
        and person_id is not null
        and (amount < 0 or amount > {{ bounds.amount_max }})

)

select * from final

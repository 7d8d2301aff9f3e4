{#
    One row per campaign with its channel, place in the campaign hierarchy
    (parent and top-level campaign), active days, and cost in the corporate
    currency (at the rate of its start date): actual cost where known, else
    the budget, with cost_source saying which.
#}
with

campaigns as (

    select * from {{ ref('revenue_funnel', 'stg_salesforce__campaigns') }}

),

exchange_rates as (

    select * from {{ ref('revenue_funnel', 'int_exchange_rates_daily') }}

),

corporate_currency as (

    select min(currency_code) as corporate_currency_code
    from exchange_rates
    where is_corporate

),

{#- Salesforce allows five levels of campaign hierarchy -#}
{%- set max_levels = 5 %}

hierarchy as (

    select
        level_1.campaign_id,
        coalesce(
            {%- for level in range(max_levels, 0, -1) %}
                level_{{ level }}.campaign_id{{ "," if not loop.last }}
            {%- endfor %}
        ) as top_campaign_id,
        case
            {%- for level in range(max_levels, 1, -1) %}
                when level_{{ level }}.campaign_id is not null then {{ level }}
            {%- endfor %}
            else 1
        end as hierarchy_level
    from campaigns as level_1
    {%- for level in range(2, max_levels + 1) %}
        left join campaigns as level_{{ level }}
            on level_{{ level - 1 }}.parent_campaign_id = level_{{ level }}.campaign_id
    {%- endfor %}

),

final as (

    select
        ---------- ids
        campaigns.campaign_id,
        campaigns.parent_campaign_id,
        hierarchy.top_campaign_id,

        ---------- strings
        campaigns.campaign_name,
        coalesce(campaigns.campaign_type, 'Unknown') as channel,
        campaigns.campaign_status,
        coalesce(campaigns.currency_code, corporate_currency.corporate_currency_code) as currency_code,
        case
            when campaigns.actual_cost_amount_local is not null then 'actual'
            when campaigns.budgeted_cost_amount_local is not null then 'budgeted'
            else 'none'
        end as cost_source,

        ---------- numerics
        hierarchy.hierarchy_level,
        campaigns.expected_response_rate,
        {{ dbt.datediff('campaigns.start_date', 'campaigns.end_date', 'day') }} + 1 as active_days,
        campaigns.actual_cost_amount_local,
        campaigns.budgeted_cost_amount_local,
        {{ safe_divide('coalesce(campaigns.actual_cost_amount_local, campaigns.budgeted_cost_amount_local)',
                       'case when corporate_currency.corporate_currency_code is null then 1.0
                             else exchange_rates.conversion_rate end') }} as cost_amount,

        ---------- booleans
        campaigns.is_active,

        ---------- dates
        campaigns.start_date,
        campaigns.end_date

    from campaigns
    cross join corporate_currency
    inner join hierarchy
        on campaigns.campaign_id = hierarchy.campaign_id
    left join exchange_rates
        on coalesce(campaigns.currency_code, corporate_currency.corporate_currency_code) = exchange_rates.currency_code
            and campaigns.start_date = exchange_rates.date_day

)

select * from final

{#
    One row per campaign, period (funnel_period_grain) and attribution model:
    attributed conversions and won amount, the IS hand-off indicators of the
    leads the campaign sourced, cost and cost per conversion. The
    '(unattributed)' row holds the conversions no campaign touched and the
    leads without a source campaign. Built in fct_campaign_performance_rollups,
    which also feeds the channel and top-campaign marts.
#}
with

rollups as (

    select * from {{ ref('fct_campaign_performance_rollups') }}
    where rollup_level = 'campaign'

),

campaigns as (

    select * from {{ ref('dim_campaigns') }}

),

final as (

    select
        ---------- ids
        rollups.rollup_id as campaign_id,
        campaigns.parent_campaign_id,
        coalesce(campaigns.top_campaign_id, rollups.rollup_id) as top_campaign_id,

        ---------- strings
        rollups.attribution_model,
        case
            when rollups.rollup_id = '(unattributed)' then 'Unattributed'
            else coalesce(campaigns.channel, 'Unknown')
        end as channel,
        rollups.rollup_id = '(unattributed)' as is_unattributed,
        {{ campaign_performance_measures() }}

    from rollups
    left join campaigns
        on rollups.rollup_id = campaigns.campaign_id

)

select * from final

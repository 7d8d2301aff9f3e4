{#
    One row per top campaign of the hierarchy (dim_campaigns.top_campaign_id),
    period (funnel_period_grain) and attribution model: the same measures as
    fct_campaign_performance over the top campaign and every campaign below
    it. Medians and expected rates are recomputed from the leads, not summed.
#}
with

rollups as (

    select * from {{ ref('fct_campaign_performance_rollups') }}
    where rollup_level = 'top_campaign'

),

campaigns as (

    select * from {{ ref('dim_campaigns') }}

),

final as (

    select
        ---------- ids
        rollups.rollup_id as top_campaign_id,

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

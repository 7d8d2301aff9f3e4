{#
    One row per channel (campaign type), period (funnel_period_grain) and
    attribution model: the same measures as fct_campaign_performance over all
    the channel's campaigns. Medians and expected rates are recomputed from
    the leads, not summed. `Unattributed` holds the conversions no campaign
    touched and the leads without a source campaign.
#}
with

rollups as (

    select * from {{ ref('fct_campaign_performance_rollups') }}
    where rollup_level = 'channel'

),

final as (

    select
        ---------- strings
        rollups.rollup_id as channel,
        rollups.attribution_model,
        rollups.rollup_id = 'Unattributed' as is_unattributed,
        {{ campaign_performance_measures() }}

    from rollups

)

select * from final

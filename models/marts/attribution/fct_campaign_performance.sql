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

    select * from {{ ref('revenue_funnel', 'fct_campaign_performance_rollups') }}
    where rollup_level = 'campaign'

),

campaigns as (

    select * from {{ ref('revenue_funnel', 'dim_campaigns') }}

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
        rollups.period_grain,
        rollups.appointment_expectation_source,

        ---------- numerics: attributed conversions (period of the conversion, model-dependent)
        rollups.attributed_leads_count,
        rollups.attributed_appointments_count,
        rollups.attributed_pipeline_count,
        rollups.attributed_won_count,
        rollups.attributed_won_amount,

        ---------- numerics: IS hand-off of the sourced leads (cohort of the period, model-independent)
        rollups.sourced_leads_count,
        rollups.handled_leads_count,
        rollups.handled_rate,
        rollups.median_days_from_lead_to_handled,
        rollups.sourced_appointments_count,
        rollups.appointment_rate,
        rollups.expected_appointment_rate,
        rollups.appointment_attainment_rate,

        ---------- numerics: cost (accrued in the period) and efficiency
        rollups.cost_amount,
        rollups.cost_per_lead_amount,
        rollups.cost_per_appointment_amount,
        rollups.cost_per_pipeline_amount,
        rollups.cost_per_won_amount,
        rollups.return_on_spend_ratio,

        ---------- booleans and dates
        rollups.is_complete_period,
        rollups.period_start_date,
        rollups.period_end_date

    from rollups
    left join campaigns
        on rollups.rollup_id = campaigns.campaign_id

)

select * from final

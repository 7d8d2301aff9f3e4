{#
    One row per channel (campaign type), period (funnel_period_grain) and
    attribution model: the same measures as fct_campaign_performance over all
    the channel's campaigns. Medians and expected rates are recomputed from
    the leads, not summed. `Unattributed` holds the conversions no campaign
    touched and the leads without a source campaign.
#}
with

rollups as (

    select * from {{ ref('revenue_funnel', 'fct_campaign_performance_rollups') }}
    where rollup_level = 'channel'

),

final as (

    select
        ---------- strings
        rollups.rollup_id as channel,
        rollups.attribution_model,
        rollups.rollup_id = 'Unattributed' as is_unattributed,
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

)

select * from final

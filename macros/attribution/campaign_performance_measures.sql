{#
    The measures every campaign performance mart exposes, read from
    fct_campaign_performance_rollups: campaign, top-campaign and channel marts
    differ only in their keys, so the measure list lives here once.
#}
{% macro campaign_performance_measures(rollups='rollups') %}
        {{ rollups }}.period_grain,
        {{ rollups }}.appointment_expectation_source,

        ---------- numerics: attributed conversions (period of the conversion, model-dependent)
        {{ rollups }}.attributed_leads_count,
        {{ rollups }}.attributed_appointments_count,
        {{ rollups }}.attributed_pipeline_count,
        {{ rollups }}.attributed_won_count,
        {{ rollups }}.attributed_won_amount,

        ---------- numerics: IS hand-off of the sourced leads (cohort of the period, model-independent)
        {{ rollups }}.sourced_leads_count,
        {{ rollups }}.handled_leads_count,
        {{ rollups }}.handled_rate,
        {{ rollups }}.median_days_from_lead_to_handled,
        {{ rollups }}.sourced_appointments_count,
        {{ rollups }}.appointment_rate,
        {{ rollups }}.expected_appointment_rate,
        {{ rollups }}.appointment_attainment_rate,

        ---------- numerics: cost (accrued in the period) and efficiency
        {{ rollups }}.cost_amount,
        {{ rollups }}.cost_per_lead_amount,
        {{ rollups }}.cost_per_appointment_amount,
        {{ rollups }}.cost_per_pipeline_amount,
        {{ rollups }}.cost_per_won_amount,
        {{ rollups }}.return_on_spend_ratio,

        ---------- booleans and dates
        {{ rollups }}.is_complete_period,
        {{ rollups }}.period_start_date,
        {{ rollups }}.period_end_date
{% endmacro %}

-- The campaign, top-campaign and channel performance marts hold the same
-- totals per model and period: attributed conversions, sourced and handled
-- leads, appointments and cost. A roll-up neither loses nor double-counts.
{%- set measures = [
    'attributed_leads_count', 'attributed_appointments_count', 'attributed_pipeline_count',
    'attributed_won_count', 'sourced_leads_count', 'handled_leads_count', 'sourced_appointments_count',
    'cost_amount',
] %}

with

totals as (

    {%- for mart in ['fct_campaign_performance', 'fct_top_campaign_performance', 'fct_channel_performance'] %}
        select
            attribution_model,
            period_start_date,
            {%- for measure in measures %}
                sum(coalesce({{ measure }}, 0)) as {{ measure }},
            {%- endfor %}
            '{{ mart }}' as mart
        from {{ ref('revenue_funnel', mart) }}
        group by attribution_model, period_start_date
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}

),

campaign_totals as (

    select * from totals
    where mart = 'fct_campaign_performance'

)

select
    totals.mart,
    totals.attribution_model,
    totals.period_start_date
from totals
left join campaign_totals
    on
        totals.attribution_model = campaign_totals.attribution_model
        and totals.period_start_date = campaign_totals.period_start_date
where
    campaign_totals.mart is null
    {%- for measure in measures %}
        or not abs(totals.{{ measure }} - campaign_totals.{{ measure }})
        <= 1e-6 * (1 + abs(campaign_totals.{{ measure }}))
    {%- endfor %}

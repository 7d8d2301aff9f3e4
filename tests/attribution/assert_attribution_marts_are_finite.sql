-- No credit, amount, rate, ratio, median or cost per conversion in the
-- attribution and campaign marts is infinite or NaN: a zero denominator
-- (no attributed conversion, no cost, no sourced lead) gives null instead.
{%- set checked_models = [
    'fct_attribution_credits', 'fct_campaign_performance', 'fct_top_campaign_performance',
    'fct_channel_performance', 'fct_campaign_feedback',
] %}

with

checks as (

    {%- for model_name in checked_models %}
        {{ non_finite_rows(ref('revenue_funnel', model_name)) }}
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}

)

select *
from checks
where non_finite_row_count > 0

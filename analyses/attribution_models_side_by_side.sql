-- Question (Marketing, with Inside Sales and Field Sales): "Which channels open
-- journeys and which close them?" Pipeline (案件化) and won amount (成約金額) of the
-- last four complete periods credited to each channel under every attribution
-- model, side by side. A channel far stronger under first touch than under last
-- touch opens journeys; the reverse closes them. Each model's column adds up to
-- the same total, so the columns compare directly.
{%- set attribution_models_list = attribution_models() %}

with

channel_performance as (

    select * from {{ ref('revenue_funnel', 'fct_channel_performance') }}
    where is_complete_period

),

recent_periods as (

    select distinct period_start_date
    from channel_performance
    order by period_start_date desc
    limit 4

),

recent as (

    select channel_performance.*
    from channel_performance
    inner join recent_periods
        on channel_performance.period_start_date = recent_periods.period_start_date

)

select
    channel,
    {%- for attribution_model in attribution_models_list %}
        sum(case when attribution_model = '{{ attribution_model }}' then attributed_pipeline_count else 0 end)
            as {{ attribution_model }}_pipeline_count,
    {%- endfor %}
    {%- for attribution_model in attribution_models_list %}
        sum(case when attribution_model = '{{ attribution_model }}' then attributed_won_amount else 0 end)
            as {{ attribution_model }}_won_amount,
    {%- endfor %}
    count(distinct period_start_date) as periods_count
from recent
group by channel
order by channel

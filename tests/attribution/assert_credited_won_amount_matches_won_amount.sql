-- Under every attribution model, the credited won amount of each period
-- (unattributed included) equals the won amount of the persons whose first
-- win fell in that period (all their won deals: attribution credits a person's
-- first win), and the campaign, top-campaign and channel marts each add up to
-- the same total.
{%- set grain = funnel_period_grain() %}

with

won_deals as (

    select
        person_id,
        min(reached_at) over (partition by person_id) as first_won_at,
        won_amount
    from {{ ref('revenue_funnel', 'fct_funnel_stage_events') }}
    where funnel_stage = 'won'

),

won_by_period as (

    select
        cast({{ dbt.date_trunc(grain, 'first_won_at') }} as date) as period_start_date,
        sum(coalesce(won_amount, 0)) as won_amount
    from won_deals
    group by cast({{ dbt.date_trunc(grain, 'first_won_at') }} as date)

),

credited_by_period as (

    {%- for source_model in ['fct_attribution_credits', 'fct_campaign_performance',
                             'fct_top_campaign_performance', 'fct_channel_performance'] %}
        select
            '{{ source_model }}' as source_model,
            attribution_model,
            period_start_date,
            {%- if source_model == 'fct_attribution_credits' %}
                sum(case when funnel_stage = 'won' then coalesce(credited_amount, 0) else 0 end)
            {%- else %}
                sum(attributed_won_amount)
            {%- endif %} as credited_won_amount
        from {{ ref('revenue_funnel', source_model) }}
        group by attribution_model, period_start_date
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}

),

source_models as (

    select distinct source_model from credited_by_period

),

attribution_models as (

    select distinct attribution_model from credited_by_period

),

-- every won period under every source and model, so a period nobody credited is caught too
models_and_periods as (

    select
        source_models.source_model,
        attribution_models.attribution_model,
        won_by_period.period_start_date,
        won_by_period.won_amount
    from won_by_period
    cross join source_models
    cross join attribution_models

),

compared as (

    select
        coalesce(models_and_periods.source_model, credited_by_period.source_model) as source_model,
        coalesce(models_and_periods.attribution_model, credited_by_period.attribution_model) as attribution_model,
        coalesce(models_and_periods.period_start_date, credited_by_period.period_start_date) as period_start_date,
        coalesce(models_and_periods.won_amount, 0) as won_amount,
        coalesce(credited_by_period.credited_won_amount, 0) as credited_won_amount
    from models_and_periods
    full outer join credited_by_period
        on
            models_and_periods.source_model = credited_by_period.source_model
            and models_and_periods.attribution_model = credited_by_period.attribution_model
            and models_and_periods.period_start_date = credited_by_period.period_start_date

)

select *
from compared
where not abs(credited_won_amount - won_amount) <= 1e-6 * (1 + abs(won_amount))

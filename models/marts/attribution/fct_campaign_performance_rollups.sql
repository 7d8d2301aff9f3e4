{#
    Campaign performance per roll-up level (campaign, top campaign of the
    hierarchy, channel), group, period (funnel_period_grain) and attribution
    model: the conversions and won amount credited to the group's campaigns
    (fct_attribution_credits, by the period of the conversion) beside the
    model-independent hand-off indicators and cost of fct_campaign_period_handoffs,
    with the rates, cost per conversion and return on spend. Computed once for
    the three levels so the three performance marts agree. Only periods up to
    the as-of date, and groups with a credit, a sourced lead or accrued cost
    in the period, have rows, each for every attribution model.
#}
{%- set grain = funnel_period_grain() -%}
{%- set levels = campaign_rollup_levels() -%}

with

credits as (

    select * from {{ ref('revenue_funnel', 'fct_attribution_credits') }}

),

handoffs as (

    select * from {{ ref('revenue_funnel', 'fct_campaign_period_handoffs') }}

),

campaigns as (

    select * from {{ ref('revenue_funnel', 'dim_campaigns') }}

),

as_of as (

    select * from {{ ref('revenue_funnel', 'int_as_of_date') }}

),

attribution_models as (

    {%- for attribution_model in attribution_models() %}
        select '{{ attribution_model }}' as attribution_model
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}

),

credits_by_campaign as (

    select
        campaign_id,
        channel,
        period_start_date,
        attribution_model,
        sum(case when funnel_stage = 'lead' then credit else 0 end) as attributed_leads_count,
        sum(case when funnel_stage = 'appointment' then credit else 0 end) as attributed_appointments_count,
        sum(case when funnel_stage = 'pipeline' then credit else 0 end) as attributed_pipeline_count,
        sum(case when funnel_stage = 'won' then credit else 0 end) as attributed_won_count,
        sum(case when funnel_stage = 'won' then coalesce(credited_amount, 0) else 0 end) as attributed_won_amount
    from credits
    group by
        campaign_id,
        channel,
        period_start_date,
        attribution_model

),

credits_grouped as (

    select
        credits_by_campaign.*,
        coalesce(campaigns.top_campaign_id, credits_by_campaign.campaign_id) as top_campaign_id
    from credits_by_campaign
    left join campaigns
        on credits_by_campaign.campaign_id = campaigns.campaign_id

),

credits_by_level as (

    {%- for level, group_column in levels.items() %}
        select
            '{{ level }}' as rollup_level,
            {{ group_column }} as rollup_id,
            period_start_date,
            attribution_model,
            sum(attributed_leads_count) as attributed_leads_count,
            sum(attributed_appointments_count) as attributed_appointments_count,
            sum(attributed_pipeline_count) as attributed_pipeline_count,
            sum(attributed_won_count) as attributed_won_count,
            sum(attributed_won_amount) as attributed_won_amount
        from credits_grouped
        group by {{ group_column }}, period_start_date, attribution_model
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}

),

-- groups with a cost: a period of theirs without accrued cost costs 0, not null
costed_groups as (

    select distinct
        rollup_level,
        rollup_id
    from handoffs
    where has_cost

),

group_periods as (

    select
        rollup_level,
        rollup_id,
        period_start_date
    from credits_by_level
    union
    select
        rollup_level,
        rollup_id,
        period_start_date
    from handoffs

),

joined as (

    select
        group_periods.rollup_level,
        group_periods.rollup_id,
        group_periods.period_start_date,
        attribution_models.attribution_model,
        coalesce(credits_by_level.attributed_leads_count, 0) as attributed_leads_count,
        coalesce(credits_by_level.attributed_appointments_count, 0) as attributed_appointments_count,
        coalesce(credits_by_level.attributed_pipeline_count, 0) as attributed_pipeline_count,
        coalesce(credits_by_level.attributed_won_count, 0) as attributed_won_count,
        coalesce(credits_by_level.attributed_won_amount, 0) as attributed_won_amount,
        coalesce(handoffs.sourced_leads_count, 0) as sourced_leads_count,
        coalesce(handoffs.handled_leads_count, 0) as handled_leads_count,
        handoffs.median_days_from_lead_to_handled,
        coalesce(handoffs.sourced_appointments_count, 0) as sourced_appointments_count,
        handoffs.expected_appointment_rate,
        handoffs.appointment_expectation_source,
        case when costed_groups.rollup_id is not null then coalesce(handoffs.cost_amount, 0) end as cost_amount
    from group_periods
    cross join attribution_models
    left join credits_by_level
        on
            group_periods.rollup_level = credits_by_level.rollup_level
            and group_periods.rollup_id = credits_by_level.rollup_id
            and group_periods.period_start_date = credits_by_level.period_start_date
            and attribution_models.attribution_model = credits_by_level.attribution_model
    left join handoffs
        on
            group_periods.rollup_level = handoffs.rollup_level
            and group_periods.rollup_id = handoffs.rollup_id
            and group_periods.period_start_date = handoffs.period_start_date
    left join costed_groups
        on
            group_periods.rollup_level = costed_groups.rollup_level
            and group_periods.rollup_id = costed_groups.rollup_id

),

final as (

    select
        joined.rollup_level,
        joined.rollup_id,
        joined.attribution_model,
        '{{ grain }}' as period_grain,
        joined.period_start_date,
        cast({{ dbt.dateadd('day', -1, dbt.dateadd(grain, 1, 'joined.period_start_date')) }} as date)
            as period_end_date,
        joined.attributed_leads_count,
        joined.attributed_appointments_count,
        joined.attributed_pipeline_count,
        joined.attributed_won_count,
        joined.attributed_won_amount,
        joined.sourced_leads_count,
        joined.handled_leads_count,
        {{ safe_divide('joined.handled_leads_count', 'joined.sourced_leads_count') }} as handled_rate,
        joined.median_days_from_lead_to_handled,
        joined.sourced_appointments_count,
        {{ safe_divide('joined.sourced_appointments_count', 'joined.sourced_leads_count') }} as appointment_rate,
        joined.expected_appointment_rate,
        {{ safe_divide(
            safe_divide('joined.sourced_appointments_count', 'joined.sourced_leads_count'),
            'joined.expected_appointment_rate'
        ) }} as appointment_attainment_rate,
        joined.appointment_expectation_source,
        joined.cost_amount,
        {{ safe_divide('joined.cost_amount', 'joined.attributed_leads_count') }} as cost_per_lead_amount,
        {{ safe_divide('joined.cost_amount', 'joined.attributed_appointments_count') }} as cost_per_appointment_amount,
        {{ safe_divide('joined.cost_amount', 'joined.attributed_pipeline_count') }} as cost_per_pipeline_amount,
        {{ safe_divide('joined.cost_amount', 'joined.attributed_won_count') }} as cost_per_won_amount,
        {{ safe_divide('joined.attributed_won_amount', 'joined.cost_amount') }} as return_on_spend_ratio,
        cast({{ dbt.dateadd('day', -1, dbt.dateadd(grain, 1, 'joined.period_start_date')) }} as date)
        <= as_of.as_of_date as is_complete_period
    from joined
    cross join as_of
    where joined.period_start_date <= as_of.as_of_date

)

select * from final

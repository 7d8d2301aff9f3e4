{#
    What does not depend on the attribution model, per roll-up level
    (campaign, top campaign of the hierarchy, channel), group and period
    (funnel_period_grain): the IS hand-off indicators of the leads the
    campaigns sourced (fct_funnel_leads.source_campaign_id; cohort view by the
    period the lead was created) - handled count, median days to the first IS
    handling, appointments and the expected appointment rate - and the cost
    accrued in the period. Medians and expectations are recomputed from the
    leads at each level, never summed. Leads without a source campaign form
    the '(unattributed)' campaign, its own top campaign, channel
    'Unattributed'.
#}
{%- set grain = funnel_period_grain() -%}
{%- set levels = campaign_rollup_levels() -%}

with

leads as (

    select * from {{ ref('revenue_funnel', 'fct_funnel_leads') }}
    where not is_excluded

),

costs as (

    select * from {{ ref('revenue_funnel', 'fct_campaign_period_costs') }}

),

expectations as (

    select * from {{ ref('revenue_funnel', 'fct_channel_appointment_expectations') }}

),

campaigns as (

    select * from {{ ref('revenue_funnel', 'dim_campaigns') }}

),

-- every campaign with the groups it rolls up into
campaign_groups as (

    select
        campaign_id,
        top_campaign_id,
        channel,
        cost_amount is not null as has_cost
    from campaigns

    union all

    select
        '(unattributed)' as campaign_id,
        '(unattributed)' as top_campaign_id,
        'Unattributed' as channel,
        false as has_cost

),

sourced_leads as (

    select
        coalesce(leads.source_campaign_id, '(unattributed)') as campaign_id,
        coalesce(campaign_groups.top_campaign_id, leads.source_campaign_id, '(unattributed)') as top_campaign_id,
        leads.source_channel as channel,
        cast({{ dbt.date_trunc(grain, 'leads.lead_created_at') }} as date) as period_start_date,
        leads.has_reached_handled,
        leads.has_reached_appointment,
        -- a handling logged before the lead (negative gap) stays out of the median, as in fct_stage_velocity
        case when leads.days_from_lead_to_handled >= 0 then leads.days_from_lead_to_handled end
            as days_from_lead_to_handled,
        expectations.expected_appointment_rate,
        coalesce(expectations.expectation_source, 'none') as expectation_source
    from leads
    left join campaign_groups
        on coalesce(leads.source_campaign_id, '(unattributed)') = campaign_groups.campaign_id
    left join expectations
        on
            leads.source_channel = expectations.channel
            and cast({{ dbt.date_trunc(grain, 'leads.lead_created_at') }} as date) = expectations.period_start_date

),

accrued_costs as (

    select
        costs.campaign_id,
        campaign_groups.top_campaign_id,
        campaign_groups.channel,
        costs.period_start_date,
        costs.accrued_cost_amount
    from costs
    inner join campaign_groups
        on costs.campaign_id = campaign_groups.campaign_id
    where costs.accrued_days_in_period > 0

),

sourced_by_level as (

    {%- for level, group_column in levels.items() %}
        select
            '{{ level }}' as rollup_level,
            {{ group_column }} as rollup_id,
            period_start_date,
            count(*) as sourced_leads_count,
            count(case when has_reached_handled then 1 end) as handled_leads_count,
            count(case when has_reached_appointment then 1 end) as sourced_appointments_count,
            {{ percentile('days_from_lead_to_handled', 0.5) }} as median_days_from_lead_to_handled,
            -- the leads' expectations weighted by leads (exactly the one rate when they share it)
            case
                when min(expected_appointment_rate) = max(expected_appointment_rate)
                    then min(expected_appointment_rate)
                else {{ safe_divide('sum(expected_appointment_rate)', 'count(expected_appointment_rate)') }}
            end as expected_appointment_rate,
            case
                when count(distinct expectation_source) > 1 then 'mixed'
                else max(expectation_source)
            end as appointment_expectation_source
        from sourced_leads
        group by {{ group_column }}, period_start_date
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}

),

costs_by_level as (

    {%- for level, group_column in levels.items() %}
        select
            '{{ level }}' as rollup_level,
            {{ group_column }} as rollup_id,
            period_start_date,
            sum(accrued_cost_amount) as cost_amount
        from accrued_costs
        group by {{ group_column }}, period_start_date
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}

),

-- a group has a cost when one of its campaigns has one: a period without
-- accrued cost then costs 0, while a group without any cost stays null
costed_groups as (

    {%- for level, group_column in levels.items() %}
        select
            '{{ level }}' as rollup_level,
            {{ group_column }} as rollup_id,
            max(case when has_cost then 1 else 0 end) = 1 as has_cost
        from campaign_groups
        group by {{ group_column }}
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}

),

group_periods as (

    select
        rollup_level,
        rollup_id,
        period_start_date
    from sourced_by_level
    union
    select
        rollup_level,
        rollup_id,
        period_start_date
    from costs_by_level

),

final as (

    select
        group_periods.rollup_level,
        group_periods.rollup_id,
        group_periods.period_start_date,
        coalesce(sourced_by_level.sourced_leads_count, 0) as sourced_leads_count,
        coalesce(sourced_by_level.handled_leads_count, 0) as handled_leads_count,
        sourced_by_level.median_days_from_lead_to_handled,
        coalesce(sourced_by_level.sourced_appointments_count, 0) as sourced_appointments_count,
        sourced_by_level.expected_appointment_rate,
        sourced_by_level.appointment_expectation_source,
        coalesce(costed_groups.has_cost, false) as has_cost,
        case when costed_groups.has_cost then coalesce(costs_by_level.cost_amount, 0) end as cost_amount
    from group_periods
    left join sourced_by_level
        on
            group_periods.rollup_level = sourced_by_level.rollup_level
            and group_periods.rollup_id = sourced_by_level.rollup_id
            and group_periods.period_start_date = sourced_by_level.period_start_date
    left join costs_by_level
        on
            group_periods.rollup_level = costs_by_level.rollup_level
            and group_periods.rollup_id = costs_by_level.rollup_id
            and group_periods.period_start_date = costs_by_level.period_start_date
    left join costed_groups
        on
            group_periods.rollup_level = costed_groups.rollup_level
            and group_periods.rollup_id = costed_groups.rollup_id

)

select * from final

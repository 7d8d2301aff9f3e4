{#
    The qualitative side of campaign performance: per source campaign, period
    (funnel_period_grain) the leads were created in (cohort view), feedback
    type and value, how many leads (ratings, disqualification reasons) or lost
    opportunities (loss reasons) got that feedback, and its share within the
    campaign, period and type. Reasons are classed controllable or
    customer-side by the seed reason_classes ('unclassified' when missing).
#}
{%- set grain = funnel_period_grain() -%}

with

leads as (

    select * from {{ ref('revenue_funnel', 'fct_funnel_leads') }}
    where not is_excluded

),

opportunities as (

    select * from {{ ref('revenue_funnel', 'int_opportunity_outcomes') }}

),

reason_classes as (

    select * from {{ config_table('reason_classes') }}

),

campaigns as (

    select * from {{ ref('revenue_funnel', 'dim_campaigns') }}

),

sourced_leads as (

    select
        person_id,
        coalesce(source_campaign_id, '(unattributed)') as campaign_id,
        cast({{ dbt.date_trunc(grain, 'lead_created_at') }} as date) as period_start_date,
        lead_rating,
        disqualification_reason
    from leads

),

feedback as (

    select
        campaign_id,
        period_start_date,
        'lead_rating' as feedback_type,
        coalesce(lead_rating, 'Unrated') as feedback_value
    from sourced_leads

    union all

    select
        campaign_id,
        period_start_date,
        'disqualification_reason' as feedback_type,
        disqualification_reason as feedback_value
    from sourced_leads
    where disqualification_reason is not null

    union all

    -- every lost opportunity of a sourced person, with the person's source campaign
    select
        sourced_leads.campaign_id,
        sourced_leads.period_start_date,
        'loss_reason' as feedback_type,
        coalesce(opportunities.loss_reason, 'Unspecified') as feedback_value
    from opportunities
    inner join sourced_leads
        on opportunities.person_id = sourced_leads.person_id
    where opportunities.lost_at is not null

),

counted as (

    select
        campaign_id,
        period_start_date,
        feedback_type,
        feedback_value,
        count(*) as feedback_count
    from feedback
    group by
        campaign_id,
        period_start_date,
        feedback_type,
        feedback_value

),

final as (

    select
        ---------- ids
        counted.campaign_id,
        coalesce(campaigns.top_campaign_id, counted.campaign_id) as top_campaign_id,

        ---------- strings
        case
            when counted.campaign_id = '(unattributed)' then 'Unattributed'
            else coalesce(campaigns.channel, 'Unknown')
        end as channel,
        '{{ grain }}' as period_grain,
        counted.feedback_type,
        counted.feedback_value,
        case
            when counted.feedback_type != 'lead_rating' then coalesce(reason_classes.reason_class, 'unclassified')
        end as reason_class,

        ---------- numerics
        counted.feedback_count,
        cast(sum(counted.feedback_count) over (
            partition by counted.campaign_id, counted.period_start_date, counted.feedback_type
        ) as {{ dbt.type_bigint() }}) as feedback_type_total_count,
        {{ safe_divide(
            'counted.feedback_count',
            'sum(counted.feedback_count) over (partition by counted.campaign_id, counted.period_start_date, '
            ~ 'counted.feedback_type)'
        ) }} as feedback_share,

        ---------- booleans
        counted.campaign_id = '(unattributed)' as is_unattributed,

        ---------- dates
        counted.period_start_date

    from counted
    left join campaigns
        on counted.campaign_id = campaigns.campaign_id
    left join reason_classes
        on
            case counted.feedback_type
                when 'loss_reason' then 'loss'
                when 'disqualification_reason' then 'disqualification'
            end = reason_classes.reason_type
            and counted.feedback_value = reason_classes.reason

)

select * from final

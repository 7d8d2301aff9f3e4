{#
    One row per conversion, qualifying touch and attribution model: the share
    of the conversion credited to the touch (its campaign and channel) and, on
    won conversions, the share of the won amount. The long form of the credit
    columns of fct_attribution_touchpoints, kept lean because it is the
    largest table of the project (conversions x touches x models).
    The credits are computed incrementally in fct_attribution_touchpoints;
    this long form is a plain projection of it, re-written on every run (a
    table, not a view: on Postgres a full refresh of the touchpoints drops
    views that depend on them, and a mart must not go missing).
#}
{%- set grain = funnel_period_grain() -%}

with

touchpoints as (

    select * from {{ ref('revenue_funnel', 'fct_attribution_touchpoints') }}

),

attribution_models as (

    {%- for attribution_model in attribution_models() %}
        select '{{ attribution_model }}' as attribution_model
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}

),

unpivoted as (

    select
        touchpoints.person_id,
        touchpoints.funnel_stage,
        touchpoints.campaign_member_id,
        attribution_models.attribution_model,
        touchpoints.campaign_id,
        touchpoints.channel,
        touchpoints.won_amount,
        touchpoints.converted_at,
        case attribution_models.attribution_model
            {%- for attribution_model in attribution_models() %}
                when '{{ attribution_model }}' then touchpoints.{{ attribution_model }}_credit
            {%- endfor %}
        end as credit
    from touchpoints
    cross join attribution_models

),

final as (

    select
        ---------- ids
        person_id,
        funnel_stage,
        campaign_member_id,
        attribution_model,
        campaign_id,

        ---------- strings
        channel,

        ---------- numerics
        credit,
        case when funnel_stage = 'won' then won_amount * credit end as credited_amount,

        ---------- dates
        cast(converted_at as date) as conversion_date,
        cast({{ dbt.date_trunc(grain, 'converted_at') }} as date) as period_start_date

    from unpivoted

)

select * from final

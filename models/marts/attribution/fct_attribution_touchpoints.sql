{#
    One row per conversion (a person reaching lead, appointment, pipeline or
    won) and touch that qualifies for it: a campaign response of the person at
    or before the conversion and at most attribution_lookback_days before it.
    Touches are ordered by (touched_at, campaign_member_id), and each row
    carries its position, the touch count, the W-shaped anchors, the
    time-decay weight and the credit of every attribution model. A conversion
    without a qualifying touch keeps one row on the '(unattributed)' touch
    with every credit 1, so no conversion is dropped.

    Incremental by person. A person's rows depend only on the person's
    conversions, touches, the attribution settings and this SQL, and every one
    of those inputs is kept in the row. An incremental run therefore
    recomputes exactly the persons whose inputs differ from the stored ones,
    whatever changed upstream (a new touch, a late activity, a merge, an
    edited campaign, an as_of_date that adds conversions), and replaces their
    rows (delete+insert). Persons left without any conversion are deleted
    first (pre-hook). Other settings or an edit of this file differ for every
    person, so they recompute all of them; an edit of a macro it calls does
    not show, and needs a --full-refresh.
#}
{{ config(
    materialized=incremental_materialization(),
    unique_key='person_id',
    incremental_strategy='delete+insert',
    on_schema_change='append_new_columns',
    pre_hook="{{ delete_rows_with_missing_keys('person_id', attribution_conversion_persons()) }}",
) }}
{%- set settings = attribution_settings() -%}
{%- set one = 'cast(1 as ' ~ type_double() ~ ')' -%}
{#- the settings a person's credits depend on, kept in every row; the hash of this
    model's own SQL makes an edit to it recompute everyone (an edit to a macro it
    calls needs a --full-refresh) -#}
{%- set settings_key = 'lookback_days=' ~ settings.lookback_days
    ~ ';half_life_days=' ~ settings.half_life_days
    ~ ';models=' ~ attribution_models() | join(',')
    ~ ';sql=' ~ local_md5(model.raw_code) -%}
{%- set compared_input_columns = [
    'campaign_id', 'channel', 'won_amount', 'converted_at', 'touched_at',
    'lead_created_at', 'pipeline_at', 'attribution_settings',
] -%}
{#- a table built before the settings column existed is rebuilt whole -#}
{%- set compare_with_stored = is_incremental() and 'attribution_settings' in (
    adapter.get_columns_in_relation(this) | map(attribute='name') | map('lower') | list
) -%}

with

stage_events as (

    select * from {{ ref('revenue_funnel', 'fct_funnel_stage_events') }}

),

touches as (

    select * from {{ ref('revenue_funnel', 'int_campaign_touches') }}

),

conversion_events as (

    select
        person_id,
        funnel_stage,
        reach_sequence,
        reached_at,
        lead_created_at,
        -- a person's won conversion is their first win, credited with the amount of
        -- all their won deals (the period marts date each deal on its own)
        sum(won_amount) over (partition by person_id, funnel_stage) as won_amount,
        -- the W-shaped opportunity-creation anchor: the person's pipeline (案件化) time
        max(case when funnel_stage = 'pipeline' then reached_at end) over (partition by person_id) as pipeline_at
    from stage_events
    where funnel_stage in {{ sql_string_list(attribution_conversion_stages()) }}

),

conversions as (

    select
        person_id,
        funnel_stage,
        reached_at as converted_at,
        won_amount,
        lead_created_at,
        pipeline_at
    from conversion_events
    where reach_sequence = 1

),

-- each conversion with every touch of the person at or before it, within the
-- lookback window; a conversion without one keeps a single row on the
-- '(unattributed)' touch, with no touch time (the join keeps only touches with one)
candidate_touches as (

    select
        conversions.person_id,
        conversions.funnel_stage,
        conversions.converted_at,
        conversions.won_amount,
        conversions.lead_created_at,
        conversions.pipeline_at,
        coalesce(touches.campaign_member_id, '(unattributed)') as campaign_member_id,
        coalesce(touches.campaign_id, '(unattributed)') as campaign_id,
        coalesce(touches.channel, 'Unattributed') as channel,
        touches.touched_at,
        {{ days_between('touches.touched_at', 'conversions.converted_at') }} as days_before_conversion
    from conversions
    left join touches
        on
            conversions.person_id = touches.person_id
            and conversions.converted_at >= touches.touched_at
            and {{ dbt.dateadd('day', -settings.lookback_days, 'conversions.converted_at') }} <= touches.touched_at

),

-- the inputs a person's rows come from, as every row keeps them
current_inputs as (

    select
        person_id,
        funnel_stage,
        campaign_member_id,
        campaign_id,
        channel,
        won_amount,
        converted_at,
        touched_at,
        lead_created_at,
        pipeline_at,
        '{{ settings_key }}' as attribution_settings
    from candidate_touches

),

-- an incremental run recomputes the persons with a conversion or touch on one
-- side only, or with other values on both; the primary-key tests upstream and on
-- this model keep both sides unique on (person, stage, touch); a full build
-- computes everyone and does not read it
changed_persons as (  -- noqa: ST03

    {%- if compare_with_stored %}
        select distinct coalesce(current_inputs.person_id, stored_inputs.person_id) as person_id
        from current_inputs
        full outer join {{ this }} as stored_inputs
            on
                current_inputs.person_id = stored_inputs.person_id
                and current_inputs.funnel_stage = stored_inputs.funnel_stage
                and current_inputs.campaign_member_id = stored_inputs.campaign_member_id
        where
            current_inputs.person_id is null
            or stored_inputs.person_id is null
            {%- for column in compared_input_columns %}
                or current_inputs.{{ column }} is distinct from stored_inputs.{{ column }}
            {%- endfor %}
    {%- else %}
        select person_id from current_inputs
    {%- endif %}

),

touches_to_compute as (

    select candidate_touches.*
    from candidate_touches
    {%- if compare_with_stored %}
    inner join changed_persons
        on candidate_touches.person_id = changed_persons.person_id
    {%- endif %}

),

positioned as (

    select
        *,
        -- bigint on every engine (Spark's row_number() is an int): the contract's type
        cast(row_number() over (
            partition by person_id, funnel_stage
            order by touched_at, campaign_member_id
        ) as {{ dbt.type_bigint() }}) as touch_position,
        count(touched_at) over (partition by person_id, funnel_stage) as touch_count,
        -- touches are in time order, so those at or before a moment are the first
        -- ones, and their count is the position of the last of them (0: none)
        count(case when touched_at <= lead_created_at then 1 end)
            over (partition by person_id, funnel_stage) as lead_anchor_position,
        count(case when pipeline_at <= converted_at and touched_at <= pipeline_at then 1 end)
            over (partition by person_id, funnel_stage) as opportunity_anchor_position,
        min(days_before_conversion) over (partition by person_id, funnel_stage) as min_days_before_conversion
    from touches_to_compute

),

weighted as (

    select
        *,
        -- W-shaped roles held by this touch: first, lead creation, opportunity creation
        case when touch_position = 1 then 1 else 0 end
        + case when touch_position = lead_anchor_position then 1 else 0 end
        + case when touch_position = opportunity_anchor_position then 1 else 0 end as anchor_role_count,
        -- W-shaped roles of the conversion: first always, the other two when they exist
        1
        + case when lead_anchor_position > 0 then 1 else 0 end
        + case when opportunity_anchor_position > 0 then 1 else 0 end as conversion_role_count,
        -- touches holding no role
        touch_count - (
            1
            + case when lead_anchor_position > 1 then 1 else 0 end
            + case
                when opportunity_anchor_position > 1 and opportunity_anchor_position != lead_anchor_position then 1
                else 0
            end
        ) as other_touch_count,
        -- relative to the touch nearest the conversion (weight 1), so far touches never underflow to 0
        power(
            cast(2 as {{ type_double() }}),
            -(days_before_conversion - min_days_before_conversion)
            / cast({{ settings.half_life_days }} as {{ type_double() }})
        ) as time_decay_weight
    from positioned

),

credited as (

    select
        *,
        -- W-shaped total in tenths: 3 per role, plus 1 for the other touches when there are any
        3 * conversion_role_count + case when other_touch_count > 0 then 1 else 0 end as w_shaped_tenths,
        sum(time_decay_weight) over (partition by person_id, funnel_stage) as time_decay_weight_total
    from weighted

),

final as (

    select
        ---------- ids
        person_id,
        funnel_stage,
        campaign_member_id,
        campaign_id,

        ---------- strings
        channel,

        ---------- numerics
        case when touch_count > 0 then touch_position end as touch_position,
        touch_count,
        days_before_conversion,
        time_decay_weight,
        won_amount,
        case
            when touch_count = 0 or touch_position = 1 then {{ one }}
            else 0
        end as first_touch_credit,
        case
            when touch_count = 0 or touch_position = touch_count then {{ one }}
            else 0
        end as last_touch_credit,
        case
            when touch_count = 0 then {{ one }}
            else {{ safe_divide('1', 'touch_count') }}
        end as linear_credit,
        case
            when touch_count <= 1 then {{ one }}
            when touch_count = 2 then {{ safe_divide('1', '2') }}
            when touch_position = 1 or touch_position = touch_count then {{ safe_divide('2', '5') }}
            else {{ safe_divide('1', '5 * (touch_count - 2)') }}
        end as position_based_credit,
        case
            when touch_count = 0 then {{ one }}
            when anchor_role_count > 0 then {{ safe_divide('3 * anchor_role_count', 'w_shaped_tenths') }}
            else {{ safe_divide('1', 'other_touch_count * w_shaped_tenths') }}
        end as w_shaped_credit,
        case
            when touch_count = 0 then {{ one }}
            else time_decay_weight / time_decay_weight_total
        end as time_decay_credit,

        ---------- booleans
        touch_count = 0 as is_unattributed,
        touch_count > 0 and touch_position = 1 as is_first_touch,
        touch_count > 0 and touch_position = touch_count as is_last_touch,
        touch_count > 0 and touch_position = lead_anchor_position as is_lead_creation_touch,
        touch_count > 0 and touch_position = opportunity_anchor_position as is_opportunity_creation_touch,

        ---------- timestamps
        converted_at,
        touched_at,
        lead_created_at,
        pipeline_at,

        ---------- settings
        '{{ settings_key }}' as attribution_settings

    from credited

)

select * from final

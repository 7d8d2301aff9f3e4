-- Every conversion (a person reaching lead, appointment, pipeline or won) is
-- credited under every attribution model, and its credits under one model sum
-- to 1 within 1e-9 - unattributed conversions included, none dropped.
-- The credits are summed per conversion with one column per model (one hash
-- group per conversion, not per conversion and model: the mart is the largest
-- table of the project), then the failing (conversion, model) pairs unfolded.
{%- set models = attribution_models() %}

with

conversions as (

    select
        person_id,
        funnel_stage
    from {{ ref('revenue_funnel', 'fct_funnel_stage_events') }}
    where funnel_stage in ('lead', 'appointment', 'pipeline', 'won')

),

credit_sums as (

    select
        person_id,
        funnel_stage,
        {%- for attribution_model in models %}
            sum(case when attribution_model = '{{ attribution_model }}' then credit end) as credit_sum_{{ loop.index }},
            count(case when attribution_model = '{{ attribution_model }}' then 1 end) as row_count_{{ loop.index }},
        {%- endfor %}
        count(case when attribution_model in ('{{ models | join("', '") }}') then 1 end) as listed_row_count,
        count(*) as row_count
    from {{ ref('revenue_funnel', 'fct_attribution_credits') }}
    group by
        person_id,
        funnel_stage

),

model_counts as (

    select
        person_id,
        funnel_stage,
        row_count > listed_row_count as has_unlisted_model,
        {%- for attribution_model in models %}
            case when row_count_{{ loop.index }} > 0 then 1 else 0 end
            {%- if not loop.last %} +{% endif %}
        {%- endfor %} as model_count
    from credit_sums

),

not_summing_to_one as (

    {%- for attribution_model in models %}
        select
            'credits do not sum to 1' as problem,
            person_id,
            funnel_stage,
            '{{ attribution_model }}' as attribution_model,
            credit_sum_{{ loop.index }} as credit_sum
        from credit_sums
        where row_count_{{ loop.index }} > 0 and not abs(credit_sum_{{ loop.index }} - 1) <= 1e-9
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}

),

missing_models as (

    select
        'conversion not credited under every model' as problem,
        conversions.person_id,
        conversions.funnel_stage,
        cast(null as {{ dbt.type_string() }}) as attribution_model,
        cast(null as {{ type_double() }}) as credit_sum
    from conversions
    left join model_counts
        on
            conversions.person_id = model_counts.person_id
            and conversions.funnel_stage = model_counts.funnel_stage
    where coalesce(model_counts.model_count, 0) != {{ models | length }} or model_counts.has_unlisted_model

),

unknown_conversions as (

    select
        'credited conversion not in fct_funnel_stage_events' as problem,
        model_counts.person_id,
        model_counts.funnel_stage,
        cast(null as {{ dbt.type_string() }}) as attribution_model,
        cast(null as {{ type_double() }}) as credit_sum
    from model_counts
    left join conversions
        on
            model_counts.person_id = conversions.person_id
            and model_counts.funnel_stage = conversions.funnel_stage
    where conversions.person_id is null

)

select * from not_summing_to_one
union all
select * from missing_models
union all
select * from unknown_conversions

-- Every conversion (a person reaching lead, appointment, pipeline or won) is
-- credited under every attribution model, and its credits under one model sum
-- to 1 within 1e-9 - unattributed conversions included, none dropped.
{%- set model_count = attribution_models() | length %}

with

conversions as (

    select
        person_id,
        funnel_stage
    from {{ ref('fct_funnel_stage_events') }}
    where funnel_stage in ('lead', 'appointment', 'pipeline', 'won')

),

credit_sums as (

    select
        person_id,
        funnel_stage,
        attribution_model,
        sum(credit) as credit_sum
    from {{ ref('fct_attribution_credits') }}
    group by
        person_id,
        funnel_stage,
        attribution_model

),

model_counts as (

    select
        person_id,
        funnel_stage,
        count(*) as model_count
    from credit_sums
    group by
        person_id,
        funnel_stage

),

not_summing_to_one as (

    select
        'credits do not sum to 1' as problem,
        person_id,
        funnel_stage,
        attribution_model,
        credit_sum
    from credit_sums
    where not abs(credit_sum - 1) <= 1e-9

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
    where coalesce(model_counts.model_count, 0) != {{ model_count }}

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

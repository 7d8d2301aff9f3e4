{#
    One row per person and stage they reached after the lead, and for won one
    row per won deal: the long form every person-grain and period mart is made
    from. Activity stages are whatever milestones the seed milestone_rules
    names (the first qualifying activity), pipeline is the person's first
    opportunity to reach it, won each won opportunity in the order it was won
    (reach_sequence 1 is the person's first win). The department is the one
    responsible on the day: the activity's or the opportunity's owner's.
    Ordering rules live here only; int_person_milestones pivots this table.
#}
with

activities as (

    select * from {{ ref('revenue_funnel', 'int_activity_milestones') }}

),

opportunities as (

    select * from {{ ref('revenue_funnel', 'int_opportunity_outcomes') }}
    where person_id is not null

),

departments as (

    select * from {{ ref('revenue_funnel', 'int_users_departments') }}

),

ranked_activities as (

    select
        person_id,
        milestone as funnel_stage,
        milestone_at as reached_at,
        owner_department as responsible_department,
        row_number() over (
            partition by person_id, milestone
            order by milestone_at, activity_object, activity_id
        ) as activity_rank
    from activities

),

ranked_pipeline as (

    select
        person_id,
        opportunity_id,
        owner_user_id,
        pipeline_at,
        row_number() over (
            partition by person_id
            order by pipeline_at, created_at, opportunity_id
        ) as pipeline_rank
    from opportunities
    where pipeline_at is not null

),

won_deals as (

    select
        person_id,
        opportunity_id,
        owner_user_id,
        won_at,
        amount,
        amount_local,
        currency_code,
        conversion_rate_source,
        -- bigint on every engine (Spark's row_number() is an int): the contract's type
        cast(
            row_number() over (partition by person_id order by won_at, opportunity_id)
            as {{ dbt.type_bigint() }}
        ) as won_sequence
    from opportunities
    where won_at is not null

),

final as (

    select
        person_id,
        funnel_stage,
        1 as reach_sequence,
        cast(null as {{ dbt.type_string() }}) as opportunity_id,
        reached_at,
        responsible_department,
        cast(null as {{ type_double() }}) as won_amount,
        cast(null as {{ type_double() }}) as won_amount_local,
        cast(null as {{ dbt.type_string() }}) as currency_code,
        cast(null as {{ dbt.type_string() }}) as conversion_rate_source
    from ranked_activities
    where activity_rank = 1

    union all

    select
        ranked_pipeline.person_id,
        'pipeline' as funnel_stage,
        1 as reach_sequence,
        ranked_pipeline.opportunity_id,
        ranked_pipeline.pipeline_at as reached_at,
        coalesce(departments.department, 'Unassigned') as responsible_department,
        cast(null as {{ type_double() }}) as won_amount,
        cast(null as {{ type_double() }}) as won_amount_local,
        cast(null as {{ dbt.type_string() }}) as currency_code,
        cast(null as {{ dbt.type_string() }}) as conversion_rate_source
    from ranked_pipeline
    left join departments
        on {{ user_department_at('departments', 'ranked_pipeline.owner_user_id', 'ranked_pipeline.pipeline_at') }}
    where ranked_pipeline.pipeline_rank = 1

    union all

    select
        won_deals.person_id,
        'won' as funnel_stage,
        won_deals.won_sequence as reach_sequence,
        won_deals.opportunity_id,
        won_deals.won_at as reached_at,
        coalesce(departments.department, 'Unassigned') as responsible_department,
        won_deals.amount as won_amount,
        won_deals.amount_local as won_amount_local,
        won_deals.currency_code,
        won_deals.conversion_rate_source
    from won_deals
    left join departments
        on {{ user_department_at('departments', 'won_deals.owner_user_id', 'won_deals.won_at') }}

)

select * from final

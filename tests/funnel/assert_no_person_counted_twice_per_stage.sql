-- A person reaches each stage at most once (won: one row per won deal, the
-- first with reach_sequence 1), and the period counts of the whole funnel add
-- up to exactly the persons who reached each stage (won: the won deals).
with

events as (

    select * from {{ ref('revenue_funnel', 'fct_funnel_stage_events') }}

),

periods as (

    select * from {{ ref('revenue_funnel', 'fct_funnel_periods') }}
    where breakdown_dimension = 'total'

),

repeated as (

    select
        'repeated person-stage' as problem,
        funnel_stage,
        count(case when reach_sequence = 1 then 1 end) as event_count,
        count(distinct person_id) as person_count
    from events
    group by funnel_stage
    having
        count(case when reach_sequence = 1 then 1 end) != count(distinct person_id)
        or (funnel_stage != 'won' and count(*) != count(distinct person_id))

),

period_totals as (

    select
        'lead' as funnel_stage,
        sum(leads_count) as counted
    from periods
    union all
    select
        'handled' as funnel_stage,
        sum(handled_count) as counted
    from periods
    union all
    select
        'appointment' as funnel_stage,
        sum(appointments_count) as counted
    from periods
    union all
    select
        'pipeline' as funnel_stage,
        sum(pipeline_count) as counted
    from periods
    union all
    select
        'won' as funnel_stage,
        sum(won_count) as counted
    from periods

),

event_totals as (

    select
        funnel_stage,
        count(*) as reached
    from events
    group by funnel_stage

),

mismatched as (

    select
        'period total differs from persons' as problem,
        period_totals.funnel_stage,
        period_totals.counted as event_count,
        coalesce(event_totals.reached, 0) as person_count
    from period_totals
    left join event_totals
        on period_totals.funnel_stage = event_totals.funnel_stage
    where period_totals.counted != coalesce(event_totals.reached, 0)

)

select * from repeated
union all
select * from mismatched

{#
    The daily state and movement of the opportunity pipeline, one row per day
    and CRM stage: how many opportunities sat in the stage at the end of the
    day and their amount (corporate currency, the opportunity's current
    amount), and how many entered it that day, by movement: created (first
    stage of a new opportunity), advanced (from an earlier stage), slipped
    (back from a later stage), reopened (out of a closed stage), won, lost.
    Built from the stage visits, so it reaches back as far as the history.
#}
with

visits as (

    select * from {{ ref('revenue_funnel', 'int_opportunity_stage_visits') }}

),

opportunities as (

    select * from {{ ref('revenue_funnel', 'int_opportunity_outcomes') }}

),

calendar as (

    select * from {{ ref('revenue_funnel', 'dim_calendar') }}
    where is_on_or_before_as_of

),

sequenced as (

    select
        visits.*,
        lag(visits.stage_order) over (partition by visits.opportunity_id order by visits.visit_number)
            as previous_stage_order,
        lag(visits.is_closed_stage) over (partition by visits.opportunity_id order by visits.visit_number)
            as was_closed
    from visits

),

movements as (

    select
        cast(entered_at as date) as date_day,
        stage_name,
        case
            when visit_number = 1 then 'created'
            when funnel_stage = 'won' then 'won'
            when funnel_stage = 'lost' then 'lost'
            when was_closed then 'reopened'
            when stage_order < previous_stage_order then 'slipped'
            else 'advanced'
        end as movement
    from sequenced

),

movement_counts as (

    select
        date_day,
        stage_name,
        count(*) as entered_count,
        count(case when movement = 'created' then 1 end) as created_count,
        count(case when movement = 'advanced' then 1 end) as advanced_count,
        count(case when movement = 'slipped' then 1 end) as slipped_count,
        count(case when movement = 'reopened' then 1 end) as reopened_count,
        count(case when movement = 'won' then 1 end) as won_count,
        count(case when movement = 'lost' then 1 end) as lost_count
    from movements
    group by date_day, stage_name

),

-- An open visit counts from the day it was entered to the day before it was left. Rather
-- than joining every visit with every day it was open (tens of millions of rows at 1M
-- leads), each visit adds itself on its entry day and removes itself on its exit day,
-- and a day's state is the running sum of those changes. Changes before the calendar's
-- first day count on that day. Amounts are summed as decimal(38,10), so the running sum
-- adds and removes them exactly (to 1e-10, up to 1e28: beyond any Salesforce currency field).
open_visits as (

    select
        visits.stage_name,
        cast(visits.entered_at as date) as entered_date,
        cast(visits.exited_at as date) as exited_date,
        cast(opportunities.amount as decimal(38, 10)) as amount
    from visits
    inner join opportunities
        on visits.opportunity_id = opportunities.opportunity_id
    where not visits.is_closed_stage

),

visit_changes as (

    select
        entered_date as date_day,
        stage_name,
        1 as count_change,
        amount as amount_change
    from open_visits

    union all

    select
        exited_date as date_day,
        stage_name,
        -1 as count_change,
        -amount as amount_change
    from open_visits
    where exited_date is not null

),

calendar_start as (

    select min(date_day) as first_day
    from calendar

),

open_changes as (

    select
        greatest(visit_changes.date_day, calendar_start.first_day) as date_day,
        visit_changes.stage_name,
        sum(visit_changes.count_change) as count_change,
        sum(visit_changes.amount_change) as amount_change
    from visit_changes
    cross join calendar_start
    group by
        greatest(visit_changes.date_day, calendar_start.first_day),
        visit_changes.stage_name

),

open_stage_names as (

    select distinct stage_name
    from open_changes

),

running_state as (

    select
        calendar.date_day,
        open_stage_names.stage_name,
        sum(coalesce(open_changes.count_change, 0)) over (
            partition by open_stage_names.stage_name
            order by calendar.date_day rows between unbounded preceding and current row
        ) as open_opportunities_count,
        sum(open_changes.amount_change) over (
            partition by open_stage_names.stage_name
            order by calendar.date_day rows between unbounded preceding and current row
        ) as open_amount
    from calendar
    cross join open_stage_names
    left join open_changes
        on
            calendar.date_day = open_changes.date_day
            and open_stage_names.stage_name = open_changes.stage_name

),

open_state as (

    select
        date_day,
        stage_name,
        cast(open_opportunities_count as {{ dbt.type_bigint() }}) as open_opportunities_count,
        cast(open_amount as {{ type_double() }}) as open_amount
    from running_state
    where open_opportunities_count > 0

),

keys as (

    select
        date_day,
        stage_name
    from movement_counts
    union
    select
        date_day,
        stage_name
    from open_state

),

final as (

    select
        keys.date_day,
        keys.stage_name,
        coalesce(open_state.open_opportunities_count, 0) as open_opportunities_count,
        coalesce(open_state.open_amount, 0) as open_amount,
        coalesce(movement_counts.entered_count, 0) as entered_count,
        coalesce(movement_counts.created_count, 0) as created_count,
        coalesce(movement_counts.advanced_count, 0) as advanced_count,
        coalesce(movement_counts.slipped_count, 0) as slipped_count,
        coalesce(movement_counts.reopened_count, 0) as reopened_count,
        coalesce(movement_counts.won_count, 0) as won_count,
        coalesce(movement_counts.lost_count, 0) as lost_count
    from keys
    left join open_state
        on keys.date_day = open_state.date_day
            and keys.stage_name = open_state.stage_name
    left join movement_counts
        on keys.date_day = movement_counts.date_day
            and keys.stage_name = movement_counts.stage_name

)

select * from final

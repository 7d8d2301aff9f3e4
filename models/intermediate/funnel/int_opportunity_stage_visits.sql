{#
    One row per opportunity per visit to a stage, from OpportunityHistory:
    consecutive history rows in the same stage (amount or date edits) are one
    visit; a return to an earlier stage (a reopened deal) is a new visit.
    `stage_name` is the stage as recorded then, kept apart from the
    opportunity's current stage. An opportunity with no history, or whose
    current stage is missing from its history, gets a visit from its current
    state (is_from_current_state): from its creation when it has no history -
    from its close date when that stage is closed, since an org that does not
    sync OpportunityHistory would otherwise date every win at the deal's
    creation - else from its last modification. Only what happened by the
    as-of date counts.
#}
with

history as (

    select * from {{ ref('revenue_funnel', 'stg_salesforce__opportunity_history') }}

),

opportunities as (

    select * from {{ ref('revenue_funnel', 'stg_salesforce__opportunities') }}

),

stage_mapping as (

    select * from {{ ref('revenue_funnel', 'int_opportunity_stage_mapping') }}

),

as_of as (

    select * from {{ ref('revenue_funnel', 'int_as_of_date') }}

),

recorded_changes as (

    select
        history.opportunity_id,
        history.stage_name,
        history.changed_at,
        history.opportunity_history_id as change_id,
        false as is_from_current_state
    from history
    cross join as_of
    where
        history.stage_name is not null
        and history.changed_at < as_of.as_of_end_at

),

last_recorded as (

    select
        opportunity_id,
        stage_name,
        changed_at,
        row_number() over (partition by opportunity_id order by changed_at desc, change_id desc) as recency_rank
    from recorded_changes

),

-- the current state fills in where the history does not reach it
current_state_changes as (

    select
        opportunities.opportunity_id,
        opportunities.stage_name,
        case
            -- no history at all (an org that does not sync OpportunityHistory): a
            -- closed deal closed on its close date, not when it was created
            when
                last_recorded.opportunity_id is null
                and current_mapping.is_closed
                and cast(opportunities.close_date as {{ dbt.type_timestamp() }}) < as_of.as_of_end_at
                then greatest(opportunities.created_at, cast(opportunities.close_date as {{ dbt.type_timestamp() }}))
            when last_recorded.opportunity_id is null then opportunities.created_at
            -- without system_modstamp in the extract, the last recorded change is
            -- the latest time known to be before the current stage was entered
            else coalesce(opportunities.modified_at, last_recorded.changed_at)
        end as changed_at,
        'current-state' as change_id,
        true as is_from_current_state
    from opportunities
    cross join as_of
    left join last_recorded
        on opportunities.opportunity_id = last_recorded.opportunity_id
            and last_recorded.recency_rank = 1
    left join stage_mapping as current_mapping
        on opportunities.opportunity_id = current_mapping.opportunity_id
            and opportunities.stage_name = current_mapping.stage_name
    where
        opportunities.stage_name is not null
        and opportunities.created_at < as_of.as_of_end_at
        and (last_recorded.opportunity_id is null or last_recorded.stage_name != opportunities.stage_name)
        -- with an as-of date pinned in the past, today's state is only used
        -- for opportunities that have no history at all
        and (not as_of.is_pinned_by_var or last_recorded.opportunity_id is null)

),

changes as (

    select * from recorded_changes
    union all
    select * from current_state_changes

),

sequenced as (

    select
        *,
        lag(stage_name) over (partition by opportunity_id order by changed_at, change_id) as previous_stage_name
    from changes

),

visit_starts as (

    select
        opportunity_id,
        stage_name,
        changed_at as entered_at,
        is_from_current_state
    from sequenced
    where previous_stage_name is null or previous_stage_name != stage_name

),

visits as (

    select
        opportunity_id,
        stage_name,
        entered_at,
        is_from_current_state,
        -- bigint on every engine (Spark's row_number() is an int): the contract's type
        cast(
            row_number() over (partition by opportunity_id order by entered_at, stage_name)
            as {{ dbt.type_bigint() }}
        ) as visit_number,
        lead(entered_at) over (partition by opportunity_id order by entered_at, stage_name) as exited_at
    from visit_starts

),

final as (

    select
        {{ dbt.concat(["visits.opportunity_id", "'-'", dbt.cast("visits.visit_number", dbt.type_string())]) }}
            as stage_visit_id,
        visits.opportunity_id,
        visits.visit_number,
        visits.stage_name,
        opportunities.stage_name as current_stage_name,
        coalesce(stage_mapping.funnel_stage, 'unmapped') as funnel_stage,
        stage_mapping.stage_order,
        coalesce(stage_mapping.is_closed, false) as is_closed_stage,
        coalesce(stage_mapping.is_won, false) as is_won_stage,
        coalesce(stage_mapping.is_unmapped, true) as is_unmapped_stage,
        visits.is_from_current_state,
        visits.exited_at is null as is_current_visit,
        visits.entered_at,
        visits.exited_at,
        {{ days_between('visits.entered_at', 'coalesce(visits.exited_at, as_of.as_of_end_at)') }} as days_in_stage
    from visits
    cross join as_of
    inner join opportunities
        on visits.opportunity_id = opportunities.opportunity_id
    left join stage_mapping
        on visits.opportunity_id = stage_mapping.opportunity_id
            and visits.stage_name = stage_mapping.stage_name

)

select * from final

{#
    One row per task or event and the milestone it marks (handled,
    appointment), selected by the seed milestone_rules, with the person it
    belongs to and its owner's department on the milestone date. Nothing here
    names an activity type: the rules are data.
#}
with

tasks as (

    select * from {{ ref('revenue_funnel', 'stg_salesforce__tasks') }}

),

events as (

    select * from {{ ref('revenue_funnel', 'stg_salesforce__events') }}

),

rules as (

    select * from {{ config_table('milestone_rules') }}

),

identities as (

    select * from {{ ref('revenue_funnel', 'int_person_identities') }}

),

departments as (

    select * from {{ ref('revenue_funnel', 'int_users_departments') }}

),

as_of as (

    select * from {{ ref('revenue_funnel', 'int_as_of_date') }}

),

activities as (

    select
        'task' as activity_object,
        task_id as activity_id,
        who_id,
        owner_user_id,
        task_type as activity_type,
        task_subtype as activity_subtype,
        subject,
        created_at,
        cast(null as {{ dbt.type_timestamp() }}) as starts_at
    from tasks

    union all

    select
        'event' as activity_object,
        event_id as activity_id,
        who_id,
        owner_user_id,
        event_type as activity_type,
        event_subtype as activity_subtype,
        subject,
        created_at,
        starts_at
    from events

),

compared as (

    select
        activities.*,
        rules.milestone,
        rules.owner_department as required_department,
        lower(rules.match_value) as match_value,
        rules.match_operator,
        lower(case rules.match_field
            when 'type' then activities.activity_type
            when 'subtype' then activities.activity_subtype
            when 'subject' then activities.subject
        end) as compared_value,
        case rules.timestamp_field
            when 'starts_at' then coalesce(activities.starts_at, activities.created_at)
            else activities.created_at
        end as milestone_at
    from activities
    inner join rules
        on activities.activity_object = rules.activity_object

),

matched as (

    select *
    from compared
    where
        (match_operator = 'equals' and compared_value = match_value)
        or (match_operator = 'starts_with' and compared_value like {{ dbt.concat(["match_value", "'%'"]) }})
        or (match_operator = 'contains' and compared_value like {{ dbt.concat(["'%'", "match_value", "'%'"]) }})

),

attributed as (

    select
        matched.activity_object,
        matched.activity_id,
        matched.milestone,
        matched.milestone_at,
        identities.person_id,
        matched.who_id,
        matched.owner_user_id
    from matched
    inner join identities
        on matched.who_id = identities.record_id
    cross join as_of
    left join departments
        on {{ user_department_at('departments', 'matched.owner_user_id', 'matched.milestone_at') }}
    where
        matched.milestone_at < as_of.as_of_end_at
        and (
            matched.required_department = 'any'
            or coalesce(departments.department, 'Unassigned') = matched.required_department
        )

),

-- The earliest qualifying match of each activity and milestone. An aggregate,
-- not a row_number() window: hashing 2M rows is several times cheaper than
-- sorting them, and the other columns are the activity's own (one person per
-- record), so only the time differs between the rules an activity matches.
first_matches as (

    select
        activity_object,
        activity_id,
        milestone,
        person_id,
        who_id,
        owner_user_id,
        min(milestone_at) as milestone_at
    from attributed
    group by
        activity_object,
        activity_id,
        milestone,
        person_id,
        who_id,
        owner_user_id

),

final as (

    select
        first_matches.activity_object,
        first_matches.activity_id,
        first_matches.milestone,
        first_matches.milestone_at,
        first_matches.person_id,
        first_matches.who_id,
        first_matches.owner_user_id,
        -- the owner's department on the chosen milestone date: a user's ranges do not overlap
        coalesce(departments.department, 'Unassigned') as owner_department
    from first_matches
    left join departments
        on {{ user_department_at('departments', 'first_matches.owner_user_id', 'first_matches.milestone_at') }}

)

select * from final

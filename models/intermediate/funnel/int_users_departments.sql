{#
    One row per user and validity range with the department the user belonged
    to: the department of the user's role, except where the seed
    user_department_history says otherwise (a user who moved team). The seed
    user_role_departments matches the role's developer name, else its label
    (ignoring case, spaces and underscores: orgs whose UserRole extract has no
    DeveloperName); a user whose role maps to nothing takes the user's own
    Department field when it names a department of the seed (var
    user_department_field_fallback). Ranges do
    not overlap, so a milestone joins to exactly one row by its date and is
    credited to the department its owner was in then.
#}
{%- set use_user_field = validated_var('user_department_field_fallback', type='boolean') -%}

{#- a role table whose developer names and labels match no seed department is an
    error (tests/funnel/assert_user_roles_map_to_departments.sql), not a silent Unmapped -#}

with

users as (

    select * from {{ ref('revenue_funnel', 'stg_salesforce__users') }}

),

user_roles as (

    select * from {{ ref('revenue_funnel', 'stg_salesforce__user_roles') }}

),

role_departments as (

    select * from {{ config_table('user_role_departments') }}

),

department_history as (

    select * from {{ config_table('user_department_history') }}

),

-- one department per role key; 'IS_Rep' and 'IS Rep' are the same key
departments_by_role_key as (

    select
        {{ user_role_key('user_role_developer_name') }} as role_key,
        min(department) as department
    from role_departments
    group by {{ user_role_key('user_role_developer_name') }}

),

departments_by_name as (

    select
        lower(department) as department_key,
        min(department) as department
    from role_departments
    group by lower(department)

),

role_based as (

    select
        users.user_id,
        user_roles.user_role_developer_name,
        users.is_active,
        coalesce(
            by_developer_name.department,
            by_role_name.department,
            {{ 'by_user_field.department,' if use_user_field else '' }}
            'Unmapped'
        ) as role_department
    from users
    left join user_roles
        on users.user_role_id = user_roles.user_role_id
    left join role_departments as by_developer_name
        on user_roles.user_role_developer_name = by_developer_name.user_role_developer_name
    left join departments_by_role_key as by_role_name
        on {{ user_role_key('user_roles.user_role_name') }} = by_role_name.role_key
    left join departments_by_name as by_user_field
        on lower(trim(users.department_field)) = by_user_field.department_key

),

overrides as (

    select
        user_id,
        department,
        valid_from,
        valid_to,
        lag(valid_to) over (partition by user_id order by valid_from) as previous_valid_to,
        lead(valid_from) over (partition by user_id order by valid_from) as next_valid_from
    from department_history

),

-- the role department fills the dates no override covers: before the first,
-- between two, and after the last override
gaps as (

    select
        user_id,
        cast('1900-01-01' as date) as valid_from,
        cast({{ dbt.dateadd('day', -1, 'valid_from') }} as date) as valid_to
    from overrides
    where previous_valid_to is null

    union all

    select
        user_id,
        cast({{ dbt.dateadd('day', 1, 'valid_to') }} as date) as valid_from,
        cast(coalesce({{ dbt.dateadd('day', -1, 'next_valid_from') }}, cast('9999-12-31' as date)) as date) as valid_to
    from overrides
    where valid_to < cast('9999-12-31' as date)

),

ranges as (

    select
        role_based.user_id,
        role_based.user_role_developer_name,
        role_based.is_active,
        role_based.role_department as department,
        cast('1900-01-01' as date) as valid_from,
        cast('9999-12-31' as date) as valid_to,
        false as is_from_history
    from role_based
    where role_based.user_id not in (select overrides.user_id from overrides)

    union all

    select
        role_based.user_id,
        role_based.user_role_developer_name,
        role_based.is_active,
        role_based.role_department as department,
        gaps.valid_from,
        gaps.valid_to,
        false as is_from_history
    from gaps
    inner join role_based
        on gaps.user_id = role_based.user_id
    where gaps.valid_from <= gaps.valid_to

    union all

    select
        role_based.user_id,
        role_based.user_role_developer_name,
        role_based.is_active,
        overrides.department,
        overrides.valid_from,
        overrides.valid_to,
        true as is_from_history
    from overrides
    inner join role_based
        on overrides.user_id = role_based.user_id

)

select * from ranges

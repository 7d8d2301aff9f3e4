{{ config(severity='error') }}
{#
    The department of every handled, appointment and pipeline milestone comes
    from its owner's role (int_users_departments). A role extract the seed
    user_role_departments cannot read would map every user to 'Unmapped' and
    take 'handled' to 0 without a word, so this test fails the build instead
    (its children are skipped) when the extract has roles and:
      - developer_name and name are null (or absent) in every row; or
      - developer_name is null in every row (matching falls back to the role
        label) and a role's label matches no seed row; or
      - no role matches the seed by developer name or label at all.
    Each result names the problem and what to configure: load DeveloperName
    (and Name) in the UserRole extract, or list the org's roles - by developer
    name, or by label when the extract has none - in
    seeds/user_role_departments.csv. A few unmapped roles among mapped ones
    stay a warning (the relationships test on user_role_developer_name).
#}
with

user_roles as (

    select * from {{ ref('revenue_funnel', 'stg_salesforce__user_roles') }}

),

role_departments as (

    select * from {{ config_table('user_role_departments') }}

),

matched_roles as (

    select
        user_roles.user_role_id,
        user_roles.user_role_name,
        count(role_departments.department) as match_count
    from user_roles
    left join role_departments
        on user_roles.user_role_developer_name = role_departments.user_role_developer_name
            or {{ user_role_key('user_roles.user_role_name') }}
            = {{ user_role_key('role_departments.user_role_developer_name') }}
    group by user_roles.user_role_id, user_roles.user_role_name

),

summary as (

    select
        count(*) as role_count,
        count(user_role_developer_name) as developer_name_count,
        count(user_role_name) as role_name_count
    from user_roles

),

mapped as (

    select count(case when match_count > 0 then 1 end) as mapped_role_count
    from matched_roles

),

problems as (

    select
        cast(null as {{ dbt.type_string() }}) as user_role_id,
        'user_role.developer_name and name are null or absent in every row: load DeveloperName and Name in the UserRole extract' as problem
    from summary
    where role_count > 0 and developer_name_count = 0 and role_name_count = 0

    union all

    select
        matched_roles.user_role_id,
        'user_role.developer_name is null in every row and this role label is not in seeds/user_role_departments.csv: load DeveloperName or add the label' as problem
    from matched_roles
    cross join summary
    where
        summary.developer_name_count = 0
        and summary.role_name_count > 0
        and matched_roles.match_count = 0
        and matched_roles.user_role_name is not null

    union all

    select
        cast(null as {{ dbt.type_string() }}) as user_role_id,
        'no role of user_role matches seeds/user_role_departments.csv by developer name or label: list the org''s roles in the seed' as problem
    from summary
    cross join mapped
    where summary.role_count > 0 and summary.developer_name_count > 0 and mapped.mapped_role_count = 0

)

select * from problems

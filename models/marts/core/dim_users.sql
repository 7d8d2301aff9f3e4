{#
    One row per CRM user with role and current department. No name or email:
    marts carry no personal data; join on user_id where a name is needed in a
    governed tool. Past departments, where configured, are applied per
    milestone in the facts (int_users_departments).
#}
with

departments as (

    select * from {{ ref('int_users_departments') }}

),

as_of as (

    select * from {{ ref('int_as_of_date') }}

),

final as (

    select
        departments.user_id,
        departments.user_role_developer_name,
        departments.department,
        departments.is_active,
        departments.department = 'Unmapped' as is_unmapped_role
    from departments
    cross join as_of
    where as_of.as_of_date between departments.valid_from and departments.valid_to

)

select * from final

{#
    One row per CRM user with role and current department. No name or email:
    marts carry no personal data; join on user_id where a name is needed in a
    governed tool. Past departments, where configured, are applied per
    milestone in the facts (int_users_departments). A user who owns records
    but is not in the export (the user table absent or filtered) is an
    inferred member with department Unassigned, as the facts credit them.
#}
with

departments as (

    select * from {{ ref('revenue_funnel', 'int_users_departments') }}

),

as_of as (

    select * from {{ ref('revenue_funnel', 'int_as_of_date') }}

),

{%- set owning_models = ['stg_salesforce__leads', 'stg_salesforce__contacts', 'stg_salesforce__accounts',
                         'stg_salesforce__opportunities', 'stg_salesforce__tasks', 'stg_salesforce__events',
                         'stg_salesforce__campaigns'] %}

owners as (
    {% for model_name in owning_models %}
        select owner_user_id as user_id from {{ ref('revenue_funnel', model_name) }}
        where owner_user_id is not null
        {% if not loop.last %}union{% endif %}
    {%- endfor %}

),

final as (

    select
        departments.user_id,
        departments.user_role_developer_name,
        departments.department,
        departments.is_active,
        departments.department = 'Unmapped' as is_unmapped_role,
        false as is_inferred_member
    from departments
    cross join as_of
    where as_of.as_of_date between departments.valid_from and departments.valid_to

    union all

    select
        owners.user_id,
        cast(null as {{ dbt.type_string() }}) as user_role_developer_name,
        'Unassigned' as department,
        cast(null as {{ dbt.type_boolean() }}) as is_active,
        false as is_unmapped_role,
        true as is_inferred_member
    from owners
    where owners.user_id not in (select departments.user_id from departments)

)

select * from final

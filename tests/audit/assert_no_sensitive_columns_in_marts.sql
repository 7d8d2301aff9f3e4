-- noqa: disable=LT02
-- Personal data stays in staging: no column marked `meta: {sensitive: true}`
-- in a staging model, and no email, phone or personal-name column, may reach a
-- mart (models/marts) or an audit model. Marts carry ids; where a BI join
-- needs a person, the id (or a hash of it) is the key.
{%- set sensitive_names = ['email', 'phone', 'mobile_phone', 'first_name', 'last_name', 'user_name'] -%}
{%- if execute -%}
    {%- for node in graph.nodes.values() if node.resource_type == 'model' and node.fqn[1] == 'staging' -%}
        {%- for column in node.columns.values() if (column.meta or {}).get('sensitive') -%}
            {%- do sensitive_names.append(column.name | lower) -%}
        {%- endfor -%}
    {%- endfor -%}
{%- endif -%}
{%- set exposed = [] -%}
{%- if execute -%}
    {%- for node in graph.nodes.values() if node.resource_type == 'model' and node.fqn[1] in ['marts', 'audit'] -%}
        {%- set relation = adapter.get_relation(node.database, node.schema, node.alias) -%}
        {%- if relation is not none -%}
            {%- for column in adapter.get_columns_in_relation(relation) -%}
                {%- if column.name | lower in sensitive_names or 'email' in column.name | lower
                    or 'phone' in column.name | lower -%}
                    {%- do exposed.append((node.name, column.name)) -%}
                {%- endif -%}
            {%- endfor -%}
        {%- endif -%}
    {%- endfor -%}
{%- endif %}

{% if exposed %}
    {%- for model_name, column_name in exposed %}
select
    '{{ model_name }}' as model_name,
    '{{ column_name }}' as column_name
{% if not loop.last %}union all{% endif %}
{%- endfor %}
{% else %}
    select
        cast(null as {{ dbt.type_string() }}) as model_name,
        cast(null as {{ dbt.type_string() }}) as column_name
    where 1 = 0
{% endif %}

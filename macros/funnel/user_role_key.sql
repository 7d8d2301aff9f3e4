{#- The key a role is matched on: 'IS_Rep', 'IS Rep' and 'is_rep' are the same role. -#}
{% macro user_role_key(column) %}
    {{- return("lower(replace(replace(" ~ column ~ ", ' ', ''), '_', ''))") -}}
{% endmacro %}

{#
    The join condition that finds a user's department on a date: the row of
    int_users_departments whose validity covers the day of `at` (a timestamp
    or a date). One definition for every model that credits a milestone to
    the department of its owner on that day.
#}
{% macro user_department_at(departments, user_id, at) -%}
    {{ user_id }} = {{ departments }}.user_id
    and cast({{ at }} as date) between {{ departments }}.valid_from and {{ departments }}.valid_to
{%- endmacro %}

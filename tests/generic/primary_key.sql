{#
    The column (or combination of columns) is never null and never repeats:
    one test for what unique + not_null say together, for composite keys too.
    A key column may be an expression (coalesce(record_type, '') for a key
    column whose empty value means "any").

    pivot_values (optional): the accepted values of the last key column, when
    it is a short fixed list (an attribution model, a breakdown). The rows are
    then grouped by the other key columns only, counting each value in its own
    column: on a table that fans every row out to the listed values this is
    one hash group per fan-out instead of one per row (6x fewer on
    fct_attribution_credits), for the same verdict. A row whose last key
    column is null or outside the list fails the test: uniqueness cannot be
    checked for it this way, and the column's accepted_values test rejects it
    anyway.
#}
{% test primary_key(model, column_names, pivot_values=none) %}

{%- set key_list = column_names if column_names is not string else [column_names] -%}
{%- set group_list = key_list[:-1] if pivot_values else key_list -%}

with keyed as (

    select
        {%- for column_name in group_list %}
        {{ column_name }} as key_column_{{ loop.index }},
        {%- endfor %}
        {%- if pivot_values %}
        {%- for value in pivot_values %}
        count(case when {{ key_list[-1] }} = '{{ value }}' then 1 end) as value_{{ loop.index }}_count,
        {%- endfor %}
        count(case when {{ key_list[-1] }} in ('{{ pivot_values | join("', '") }}') then 1 end) as listed_count,
        {%- endif %}
        count(*) as row_count
    from {{ model }}
    group by {{ group_list | join(', ') }}

)

select *
from keyed
where
    {%- if pivot_values %}
    row_count > listed_count
    {%- for value in pivot_values %}
    or value_{{ loop.index }}_count > 1
    {%- endfor %}
    {%- else %}
    row_count > 1
    {%- endif %}
    {%- for column_name in group_list %}
    or key_column_{{ loop.index }} is null
    {%- endfor %}

{% endtest %}

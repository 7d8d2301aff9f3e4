{#
    The column (or combination of columns) is never null and never repeats:
    one test for what unique + not_null say together, for composite keys too.
#}
{% test primary_key(model, column_names) %}

{%- set key_list = column_names if column_names is not string else [column_names] -%}

with keyed as (

    select
        {{ key_list | join(', ') }},
        count(*) as row_count
    from {{ model }}
    group by {{ key_list | join(', ') }}

)

select *
from keyed
where
    row_count > 1
    {%- for column_name in key_list %}
    or {{ column_name }} is null
    {%- endfor %}

{% endtest %}

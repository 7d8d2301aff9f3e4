{#
    Fractional days from one timestamp to a later one; null when either is null.
#}
{% macro days_between(start_timestamp, end_timestamp) %}
    ({{ dbt.datediff(start_timestamp, end_timestamp, 'second') }} / 86400.0)
{%- endmacro %}

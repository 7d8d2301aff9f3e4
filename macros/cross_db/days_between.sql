{#
    Fractional days from one timestamp to a later one; null when either is null.
    The divisor is a double, not the literal 86400.0: Spark types that literal
    decimal and the quotient decimal(28,7), which neither matches the marts'
    double contracts nor keeps the precision DuckDB and Postgres give.
#}
{% macro days_between(start_timestamp, end_timestamp) %}
    ({{ dbt.datediff(start_timestamp, end_timestamp, 'second') }} / cast(86400 as {{ type_double() }}))
{%- endmacro %}

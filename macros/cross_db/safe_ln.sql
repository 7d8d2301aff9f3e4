{#
    Natural logarithm, or null when the argument is not positive. DuckDB
    returns -inf for ln(0) and Postgres raises; a period with a zero count has
    no log and must be excluded visibly, not turned into infinity.
#}
{% macro safe_ln(expression) %}
    (case when {{ expression }} > 0 then ln(cast({{ expression }} as {{ type_double() }})) end)
{%- endmacro %}

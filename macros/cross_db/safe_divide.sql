{#
    numerator / denominator, or null when the denominator is zero or null.
    DuckDB returns inf for x / 0 and Postgres raises; neither belongs in a rate.
#}
{% macro safe_divide(numerator, denominator) %}
    (cast({{ numerator }} as {{ type_double() }}) / nullif(cast({{ denominator }} as {{ type_double() }}), 0))
{%- endmacro %}

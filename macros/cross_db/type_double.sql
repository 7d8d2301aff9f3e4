{#
    A 64-bit float. dbt.type_float() is a 32-bit REAL on DuckDB, too coarse for
    money and exchange rates.
#}
{% macro type_double() %}
    {{ return(adapter.dispatch('type_double', 'revenue_funnel')()) }}
{% endmacro %}

{% macro default__type_double() %}double precision{% endmacro %}

{% macro spark__type_double() %}double{% endmacro %}

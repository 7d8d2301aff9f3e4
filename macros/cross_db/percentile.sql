{#
    Continuous percentile (linear interpolation) of an expression within a group.
#}
{% macro percentile(expression, fraction) %}
    {{ return(adapter.dispatch('percentile', 'revenue_funnel')(expression, fraction)) }}
{% endmacro %}

{% macro default__percentile(expression, fraction) -%}
    percentile_cont({{ fraction }}) within group (order by {{ expression }})
{%- endmacro %}

{% macro spark__percentile(expression, fraction) -%}
    percentile({{ expression }}, {{ fraction }})
{%- endmacro %}

{#
    The period grain of the funnel marts (var funnel_period_grain: week, month
    or quarter), validated so that nothing else reaches date_trunc.
#}
{% macro funnel_period_grain() %}
    {{ return(validated_var('funnel_period_grain', allowed=['week', 'month', 'quarter'])) }}
{% endmacro %}

{#
    The attribution models computed side by side, in the order the marts and
    docs list them. Each name has a `<name>_credit` column in
    fct_attribution_touchpoints and is an `attribution_model` value of the
    attribution marts.
#}
{% macro attribution_models() %}
    {{ return(['first_touch', 'last_touch', 'linear', 'position_based', 'w_shaped', 'time_decay']) }}
{% endmacro %}

{#
    The plausibility bounds of the funnel's inputs, validated, as SQL literals:
    {date_min, date_max_end, amount_max}. date_min is the first plausible day
    (var plausible_date_min); date_max_end the exclusive end of the last one
    (var plausible_date_max), so `ts < date_max_end` keeps all of that day;
    amount_max the largest plausible amount in the corporate currency (var
    opportunity_amount_max). Read by int_as_of_date, fct_funnel_leads,
    dim_calendar, audit_funnel_exclusions and the plausibility tests.
#}
{% macro plausibility_bounds() %}
    {%- set date_min = validated_var('plausible_date_min', type='date') -%}
    {%- set date_max = validated_var('plausible_date_max', type='date') -%}
    {%- set amount_max = validated_var('opportunity_amount_max', type='number') -%}
    {%- if date_min | string >= date_max | string -%}
        {{ exceptions.raise_compiler_error(
            "var 'plausible_date_min' (" ~ date_min ~ ") must be before var 'plausible_date_max' (" ~ date_max ~ ")"
        ) }}
    {%- endif -%}
    {%- set max_end = (modules.datetime.datetime.strptime(date_max | string, '%Y-%m-%d')
        + modules.datetime.timedelta(days=1)).strftime('%Y-%m-%d') -%}
    {{ return({
        'date_min': "cast('" ~ date_min ~ "' as " ~ dbt.type_timestamp() ~ ")",
        'date_max_end': "cast('" ~ max_end ~ "' as " ~ dbt.type_timestamp() ~ ")",
        'amount_max': amount_max,
    }) }}
{% endmacro %}

{#
    The conversions campaign attribution credits: the funnel stages of
    fct_funnel_stage_events a person reaches, and the query of the persons
    who reached at least one of them (the persons fct_attribution_touchpoints
    keeps rows for).
#}
{% macro attribution_conversion_stages() %}
    {{ return(['lead', 'appointment', 'pipeline', 'won']) }}
{% endmacro %}

{% macro attribution_conversion_persons() %}
    {{- return(
        'select person_id from ' ~ ref('revenue_funnel', 'fct_funnel_stage_events')
        ~ ' where funnel_stage in ' ~ sql_string_list(attribution_conversion_stages())
    ) -}}
{% endmacro %}

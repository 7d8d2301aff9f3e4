{#
    The breakdowns of the period and cohort marts: each maps a
    breakdown_dimension name to the column of int_funnel_stage_events that
    holds its value. 'total' is the whole funnel.
#}
{% macro funnel_breakdowns() %}
    {{ return({
        'total': "'All'",
        'channel': 'source_channel',
        'icp_tier': 'icp_tier',
        'segment': 'employee_segment',
    }) }}
{% endmacro %}

{#
    The funnel chain as (stage, fct_funnel_periods column) pairs, in funnel
    order: one list for every model that walks the chain (KPI periods, factor
    logs, gap attribution, the reverse funnel), so a stage is added in one
    place. 'handled' is an IS step inside the lead -> appointment factor, not a
    link of the KPI chain, so only models that report it ask for it.
#}
{% macro funnel_stage_columns(include_handled=false) %}
    {%- set pairs = [('lead', 'leads_count')] -%}
    {%- if include_handled -%}
        {%- do pairs.append(('handled', 'handled_count')) -%}
    {%- endif -%}
    {%- do pairs.extend([
        ('appointment', 'appointments_count'),
        ('pipeline', 'pipeline_count'),
        ('won', 'won_count'),
        ('won_amount', 'won_amount'),
    ]) -%}
    {{ return(pairs) }}
{% endmacro %}

{#
    The date plausibility checks of the funnel's inputs, one per staging model
    whose dates drive milestones, periods or the as-of date: {object, model,
    before_min, after_max}, each a SQL condition on that model's rows.
      before_min - a date the funnel uses (creation, close, activity, start) is
                   before var plausible_date_min;
      after_max  - such a date, or the record's modstamp or load time, is after
                   var plausible_date_max.
    audit_funnel_exclusions counts both per object (leads created before the
    minimum are excluded from the funnel, everything else is flagged) and
    the generic test plausible_dates (severity warn) names their rows.
#}
{% macro plausibility_date_checks() %}
    {%- set bounds = plausibility_bounds() -%}
    {#- (object, staging model, its dates: checked against both bounds) -#}
    {%- set dated = [
        ('lead', 'stg_salesforce__leads', ['created_at']),
        ('opportunity', 'stg_salesforce__opportunities', ['created_at', 'close_date']),
        ('opportunity_history', 'stg_salesforce__opportunity_history', ['changed_at']),
        ('task', 'stg_salesforce__tasks', ['created_at', 'activity_date']),
        ('event', 'stg_salesforce__events', ['created_at', 'starts_at']),
        ('campaign_member', 'stg_salesforce__campaign_members', ['created_at', 'first_responded_date']),
    ] -%}
    {%- set checks = [] -%}
    {%- for checked_object, model_name, columns in dated -%}
        {%- set before = [] -%}
        {%- set after = [] -%}
        {%- for column in columns -%}
            {%- do before.append('cast(' ~ column ~ ' as ' ~ dbt.type_timestamp() ~ ') < ' ~ bounds.date_min) -%}
        {%- endfor -%}
        {%- for column in columns + ['modified_at', 'loaded_at'] -%}
            {%- do after.append('cast(' ~ column ~ ' as ' ~ dbt.type_timestamp() ~ ') >= ' ~ bounds.date_max_end) -%}
        {%- endfor -%}
        {%- do checks.append({
            'object': checked_object,
            'model': model_name,
            'before_min': '(' ~ before | join(' or ') ~ ')',
            'after_max': '(' ~ after | join(' or ') ~ ')',
        }) -%}
    {%- endfor -%}
    {{ return(checks) }}
{% endmacro %}

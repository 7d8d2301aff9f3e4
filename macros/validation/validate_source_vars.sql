{#
    The sources YAML renders these vars straight into SQL: the raw relation
    names and the freshness column. YAML cannot call macros, so every path
    that executes source SQL calls this first: staging (via
    salesforce_source_select) and `dbt source freshness` (collect_freshness).
#}
{% macro validate_source_vars() %}
    {%- for name in ['salesforce_database', 'salesforce_schema', 'salesforce_loaded_at_field']
        if var(name, none) is not none -%}
        {%- do validated_var(name, type='identifier') -%}
    {%- endfor -%}
{% endmacro %}

{#
    The columns the contract (_salesforce__sources.yml) declares for one raw
    table, as a list of {name, data_type, required}. Reading them from the
    parsed graph keeps that YAML the single definition of the raw schema.
#}
{% macro salesforce_contract_columns(table_name) %}
    {#- The graph is only filled in at execution; parsing needs no columns. -#}
    {%- if not execute -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set matches = graph.sources.values()
        | selectattr('package_name', 'equalto', 'revenue_funnel')
        | selectattr('source_name', 'equalto', 'revenue_funnel_salesforce')
        | selectattr('name', 'equalto', table_name)
        | list -%}
    {%- if matches | length != 1 -%}
        {{ exceptions.raise_compiler_error("No salesforce source table named '" ~ table_name ~ "' in the contract.") }}
    {%- endif -%}
    {%- set columns = [] -%}
    {%- for source_node in matches -%}
        {%- for column in source_node.columns.values() -%}
            {%- set meta = column.meta or {} -%}
            {%- do columns.append({
                'name': column.name,
                'data_type': column.data_type,
                'required': meta.get('required', false),
            }) -%}
        {%- endfor -%}
    {%- endfor -%}
    {{ return(columns) }}
{% endmacro %}

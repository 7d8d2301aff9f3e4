{#
    Select list that conforms a raw Salesforce table to the contract in
    _salesforce__sources.yml, whatever loader landed it:
    - a contract column matches a raw column when both are equal ignoring case
      and underscores, so `converted_opportunity_id` (Fivetran) and
      `ConvertedOpportunityId` (API spelling) both match;
    - every matched column is cast to the contract type;
    - an optional column that is absent becomes a typed null;
    - a required column that is absent is a compile error naming it;
    - raw columns the contract does not list (custom *_c fields) are ignored.
#}
{% macro salesforce_source_columns(table_name) %}
    {%- set contract = salesforce_contract_columns(table_name) -%}
    {%- if not execute -%}
        {{ return('*') }}
    {%- endif -%}
    {%- set relation = source('salesforce', table_name) -%}
    {%- set raw_by_key = {} -%}
    {%- for raw_column in adapter.get_columns_in_relation(relation) -%}
        {%- do raw_by_key.update({salesforce_column_key(raw_column.name): raw_column.name}) -%}
    {%- endfor -%}
    {%- if raw_by_key | length == 0 -%}
        {{ exceptions.raise_compiler_error(
            "Raw table " ~ relation ~ " was not found or has no columns. Load the Salesforce "
            ~ "data there, or set the vars salesforce_database / salesforce_schema."
        ) }}
    {%- endif -%}
    {%- for column in contract %}
        {%- set key = salesforce_column_key(column.name) -%}
        {%- set target_type = salesforce_type(column.data_type) -%}
        {%- if key in raw_by_key %}
        cast({{ adapter.quote(raw_by_key[key]) }} as {{ target_type }}) as {{ column.name }}
        {%- elif column.required -%}
            {{ exceptions.raise_compiler_error(
                "Raw table " ~ relation ~ " has no column '" ~ column.name
                ~ "' (or its API spelling), which the contract marks as required."
            ) }}
        {%- else %}
        cast(null as {{ target_type }}) as {{ column.name }}
        {%- endif -%}
        {{- "," if not loop.last }}
    {%- endfor %}
{% endmacro %}


{% macro salesforce_column_key(column_name) %}
    {{- return(column_name | lower | replace('_', '')) -}}
{% endmacro %}

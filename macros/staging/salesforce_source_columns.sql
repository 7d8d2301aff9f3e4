{#
    Select list that conforms a raw Salesforce table to the contract in
    _salesforce__sources.yml, whatever loader landed it:
    - a contract column matches a raw column when both are equal ignoring case
      and underscores, so `converted_opportunity_id` (Fivetran) and
      `ConvertedOpportunityId` (API spelling) both match;
    - every matched column is cast to the contract type; a timestamp column
      that arrives as TIMESTAMPTZ, or as text with an explicit UTC offset
      ('2025-01-01 10:00:00+09:00', '...Z'), is converted to UTC
      (salesforce_timestamp_to_utc), never read as local wall-clock time;
    - an optional column that is absent becomes a typed null;
    - a required column that is absent is a compile error naming it;
    - raw columns the contract does not list (custom *_c fields) are ignored;
    - the source vars, which the sources YAML renders into every raw relation
      without escaping, must be plain identifiers (validate_source_vars): a
      hostile value stops the compile before any SQL runs.
#}
{% macro salesforce_source_columns(table_name) %}
    {%- set contract = salesforce_contract_columns(table_name) -%}
    {%- if not execute -%}
        {{ return('*') }}
    {%- endif -%}
    {%- do validate_source_vars() -%}
    {%- set relation = source('salesforce', table_name) -%}
    {%- set raw_by_key = {} -%}
    {%- set raw_columns = {} -%}
    {%- for raw_column in adapter.get_columns_in_relation(relation) -%}
        {%- do raw_by_key.update({salesforce_column_key(raw_column.name): raw_column.name}) -%}
        {%- do raw_columns.update({salesforce_column_key(raw_column.name): raw_column}) -%}
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
        {%- if key in raw_by_key and column.data_type == 'timestamp' %}
        {{ salesforce_timestamp_to_utc(adapter.quote(raw_by_key[key]), raw_columns[key]) }} as {{ column.name }}
        {%- elif key in raw_by_key %}
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


{#
    A raw timestamp column as a UTC timestamp without time zone (the contract's
    `timestamp`), whatever the loader landed:
      - TIMESTAMPTZ: converted to UTC explicitly, not through the session time zone;
      - text: a value ending in an explicit offset (Z, +09:00, -0500, +09) is read
        as that instant and converted to UTC; a value without an offset is UTC
        already (the contract) and is cast as it is. A plain cast would drop the
        offset on DuckDB and Postgres alike and keep the local wall-clock time;
      - any other type (TIMESTAMP, DATE): cast.
#}
{% macro salesforce_timestamp_to_utc(quoted_column, raw_column) %}
    {%- set raw_type = (raw_column.dtype or '') | lower -%}
    {%- set target_type = dbt.type_timestamp() -%}
    {%- if 'with time zone' in raw_type or raw_type == 'timestamptz' -%}
        {{- return(salesforce_instant_to_utc(quoted_column)) -}}
    {%- elif raw_column.is_string() -%}
        {%- set trimmed = 'trim(' ~ quoted_column ~ ')' -%}
        {%- set offset_patterns = ['%Z', '%z', '%+__:__', '%-__:__', '%+____', '%:__-____', '%+__', '%:__-__'] -%}
        {%- set has_offset -%}
            ({% for pattern in offset_patterns %}{{ trimmed }} like '{{ pattern }}'{{ ' or ' if not loop.last }}{% endfor %})
        {%- endset -%}
        {{- return(
            'case when ' ~ has_offset
            ~ ' then ' ~ salesforce_instant_to_utc('cast(' ~ quoted_column ~ ' as ' ~ salesforce_type_timestamptz() ~ ')')
            ~ ' else cast(' ~ quoted_column ~ ' as ' ~ target_type ~ ') end'
        ) -}}
    {%- else -%}
        {{- return('cast(' ~ quoted_column ~ ' as ' ~ target_type ~ ')') -}}
    {%- endif -%}
{% endmacro %}


{% macro salesforce_instant_to_utc(expression) %}
    {{- return(adapter.dispatch('salesforce_instant_to_utc')(expression)) -}}
{% endmacro %}

{% macro default__salesforce_instant_to_utc(expression) %}
    {{- return('cast((' ~ expression ~ ") at time zone 'UTC' as " ~ dbt.type_timestamp() ~ ')') -}}
{% endmacro %}

{#- Spark's TIMESTAMP is an instant shown in the session time zone (UTC in scripts/load_raw_spark.py): a cast. -#}
{% macro spark__salesforce_instant_to_utc(expression) %}
    {{- return('cast(' ~ expression ~ ' as ' ~ dbt.type_timestamp() ~ ')') -}}
{% endmacro %}


{% macro salesforce_type_timestamptz() %}
    {{- return(adapter.dispatch('salesforce_type_timestamptz')()) -}}
{% endmacro %}

{% macro default__salesforce_type_timestamptz() %}
    {{- return('timestamp with time zone') -}}
{% endmacro %}

{% macro spark__salesforce_type_timestamptz() %}
    {{- return('timestamp') -}}
{% endmacro %}

{#
    Maps the contract's abstract column types to this warehouse's types, so
    the same contract serves DuckDB, Postgres and Spark.
#}
{% macro salesforce_type(abstract_type) %}
    {%- set types = {
        'string': dbt.type_string(),
        'integer': dbt.type_bigint(),
        'float': type_double(),
        'boolean': dbt.type_boolean(),
        'date': 'date',
        'timestamp': dbt.type_timestamp(),
    } -%}
    {%- if abstract_type not in types -%}
        {{ exceptions.raise_compiler_error("Unknown contract data_type '" ~ abstract_type ~ "'; use one of " ~ types.keys() | list) }}
    {%- endif -%}
    {{ return(types[abstract_type]) }}
{% endmacro %}

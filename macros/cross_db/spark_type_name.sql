{#
    The Spark spelling of a column type written the portable way.

    Seeds' column_types and the data_type of contracted columns are plain
    strings in YAML, where no macro can be called, so they are spelled as
    DuckDB and Postgres both accept them (`varchar`, `double precision`,
    `integer`...). Spark parses neither `varchar` without a length nor
    `double precision`; the spark__ overrides of dbt.cast and of the seed
    loader pass every such type through this mapping, so the YAML stays the
    same on every engine. Types Spark already understands pass unchanged.
#}
{% macro spark_type_name(data_type) %}
    {%- set spark_names = {
        'varchar': 'string',
        'text': 'string',
        'character varying': 'string',
        'double precision': 'double',
        'float8': 'double',
        'timestamp without time zone': 'timestamp',
    } -%}
    {%- set normalized = data_type | trim | lower -%}
    {{ return(spark_names.get(normalized, data_type)) }}
{% endmacro %}


{#
    dbt.cast on Spark with portable type names. dbt's contract check renders
    `cast(null as <data_type>)` for every contracted column through dbt.cast,
    and the root project's spark__cast takes precedence over the adapter's.
#}
{% macro spark__cast(field, type) %}
    cast({{ field }} as {{ spark_type_name(type) }})
{%- endmacro %}

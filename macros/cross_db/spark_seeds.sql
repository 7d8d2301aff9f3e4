{#
    Seeds on Spark. dbt-spark writes a seed's column_types into its DDL and
    casts as they are, so the portable spellings (`varchar`, `double
    precision`) are translated with spark_type_name first. Its row loader
    also binds an empty cell as the string 'None' (method: session formats
    the statement with Python's %), which would turn every missing value of
    a text column into a word; these rows are rendered as literals instead,
    an empty cell as null.
#}
{% macro spark__create_csv_table(model, agate_table) %}
    {{ return(dbt.spark__create_csv_table(_spark_seed_model(model), agate_table)) }}
{% endmacro %}


{% macro spark__load_csv_rows(model, agate_table) %}
    {%- set column_types = _spark_seed_model(model)['config'].get('column_types', {}) -%}
    {%- set statements = [] -%}
    {%- for chunk in agate_table.rows | batch(get_batch_size()) -%}
        {%- set sql -%}
            insert into {{ this.render() }} values
            {% for row in chunk -%}
                (
                {%- for column_name in agate_table.column_names -%}
                    {%- set value = row[loop.index0] -%}
                    {%- set type = column_types.get(column_name, adapter.convert_type(agate_table, loop.index0)) -%}
                    {%- if value is none -%}
                        cast(null as {{ type }})
                    {%- else -%}
                        cast('{{ (value | string).replace("\\", "\\\\").replace("'", "\\'") }}' as {{ type }})
                    {%- endif -%}
                    {%- if not loop.last %}, {% endif -%}
                {%- endfor -%}
                ){%- if not loop.last %},{% endif %}
            {% endfor -%}
        {%- endset -%}
        {%- do adapter.add_query(sql, abridge_sql_log=True) -%}
        {%- if loop.first %}{% do statements.append(sql) %}{% endif -%}
    {%- endfor -%}
    {{ return(statements[0] if statements else '') }}
{% endmacro %}


{% macro _spark_seed_model(model) %}
    {%- set column_types = {} -%}
    {%- for column_name, data_type in model['config'].get('column_types', {}).items() -%}
        {%- do column_types.update({column_name: spark_type_name(data_type)}) -%}
    {%- endfor -%}
    {%- set config = {} -%}
    {%- do config.update(model['config']) -%}
    {%- do config.update({'column_types': column_types}) -%}
    {%- set translated = {} -%}
    {%- do translated.update(model) -%}
    {%- do translated.update({'config': config}) -%}
    {{ return(translated) }}
{% endmacro %}

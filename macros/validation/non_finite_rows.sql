{#
    A select of the rows of `relation` where any floating-point column is
    infinite or NaN (DuckDB's 1/0 is inf, ln(0) is -inf; NaN sorts above every
    number in DuckDB and Postgres, so one bound catches all three), labelled
    with the relation name. Used by the singular tests that keep marts finite.
#}
{% macro non_finite_rows(relation) %}
    {%- set float_columns = [] -%}
    {%- if execute -%}
        {%- for column in adapter.get_columns_in_relation(relation) -%}
            {%- if column.is_float() or column.is_numeric() -%}
                {%- do float_columns.append(column.name) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif %}
    select
        '{{ relation.identifier }}' as model_name,
        count(*) as non_finite_row_count
    from {{ relation }}
    where
        {%- for column_name in float_columns %}
        abs({{ adapter.quote(column_name) }}) > 1e300 or
        {%- endfor %}
        1 = 0
{% endmacro %}

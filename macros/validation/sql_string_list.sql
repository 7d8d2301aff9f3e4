{#
    Renders a list of strings as a parenthesised SQL literal list, doubling
    single quotes and refusing backslashes (an escape character on Spark), so that configured values cannot break out of the literal. An empty
    list renders as (null), which matches nothing.
#}
{% macro sql_string_list(values) %}
    {%- set literals = [] -%}
    {%- for value in values -%}
        {%- if '\\' in value | string -%}
            {{ exceptions.raise_compiler_error("Backslashes are not allowed in configured values: " ~ value) }}
        {%- endif -%}
        {%- do literals.append("'" ~ (value | string | replace("'", "''")) ~ "'") -%}
    {%- endfor -%}
    {#- `in ()` is a syntax error on Postgres; `in (null)` matches nothing (use it with `in`, never `not in`) -#}
    {{- return('(' ~ (literals | join(', ') if literals else 'null') ~ ')') -}}
{% endmacro %}

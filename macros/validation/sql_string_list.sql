{#
    Renders a list of strings as a parenthesised SQL literal list, doubling
    single quotes and refusing backslashes (an escape character on Spark), so that configured values cannot break out of the literal.
#}
{% macro sql_string_list(values) %}
    {%- set literals = [] -%}
    {%- for value in values -%}
        {%- if '\\' in value | string -%}
            {{ exceptions.raise_compiler_error("Backslashes are not allowed in configured values: " ~ value) }}
        {%- endif -%}
        {%- do literals.append("'" ~ (value | string | replace("'", "''")) ~ "'") -%}
    {%- endfor -%}
    {{- return('(' ~ literals | join(', ') ~ ')') -}}
{% endmacro %}

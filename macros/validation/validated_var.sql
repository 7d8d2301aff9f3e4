{#
    Returns var(name), after checking it, so that a mistyped or hostile value
    stops the build at compile time with a message instead of reaching SQL.
      allowed: list of permitted values;
      type: 'string', 'integer', 'number', 'boolean', 'date', 'identifier'
            or 'string_list'.
#}
{% macro validated_var(name, allowed=none, type=none, default=none) %}
    {%- set value = var(name, default) -%}
    {%- if allowed is not none and value not in allowed -%}
        {{ exceptions.raise_compiler_error(
            "var '" ~ name ~ "' is " ~ value ~ "; allowed values: " ~ allowed | join(', ')
        ) }}
    {%- endif -%}
    {%- if type == 'integer' and not (value is number and value == value | int) -%}
        {{ exceptions.raise_compiler_error("var '" ~ name ~ "' must be a whole number, got " ~ value) }}
    {%- elif type == 'number' and not value is number -%}
        {{ exceptions.raise_compiler_error("var '" ~ name ~ "' must be a number, got " ~ value) }}
    {%- elif type == 'boolean' and value not in [true, false] -%}
        {{ exceptions.raise_compiler_error("var '" ~ name ~ "' must be true or false, got " ~ value) }}
    {%- elif type == 'date' and not modules.re.fullmatch('[0-9]{4}-[0-9]{2}-[0-9]{2}', value | string) -%}
        {{ exceptions.raise_compiler_error("var '" ~ name ~ "' must be a date as YYYY-MM-DD, got " ~ value) }}
    {%- elif type == 'identifier' and not modules.re.fullmatch('[A-Za-z_][A-Za-z0-9_]*', value | string) -%}
        {{ exceptions.raise_compiler_error("var '" ~ name ~ "' must be a plain identifier, got " ~ value) }}
    {%- elif type == 'string_list' -%}
        {%- if value is string or not value is iterable -%}
            {{ exceptions.raise_compiler_error("var '" ~ name ~ "' must be a list of strings, got " ~ value) }}
        {%- endif -%}
        {%- for item in value if not item is string -%}
            {{ exceptions.raise_compiler_error("var '" ~ name ~ "' must hold only strings, got " ~ item) }}
        {%- endfor -%}
    {%- endif -%}
    {{ return(value) }}
{% endmacro %}

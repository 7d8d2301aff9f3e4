{#
    The relation a model reads one of the project's configuration tables from.
    By default the project's own seed (seeds/<name>.csv). A project that installs
    revenue_funnel as a package replaces any of them without copying or disabling
    the package's seed: it points the var revenue_funnel_config_tables at a seed
    or model of its own, by name ('acme_funnel_stages') or with its package
    ('acme_config.funnel_stages'), e.g.

        vars:
          revenue_funnel_config_tables:
            opportunity_stage_mapping: acme_opportunity_stage_mapping

    The replacement must have the seed's columns (see seeds/_seeds.yml).
#}
{% macro config_table(seed_name) %}
    {%- set overrides = var('revenue_funnel_config_tables', {}) or {} -%}
    {#- Unit tests render without the graph's nodes: the check runs in every other node. -#}
    {%- if execute and overrides and graph.get('nodes') -%}
        {#- The replaceable tables are the package's seeds: a misspelt key would otherwise be ignored. -#}
        {%- set seeds = graph.nodes.values()
            | selectattr('resource_type', 'equalto', 'seed')
            | selectattr('package_name', 'equalto', 'revenue_funnel')
            | map(attribute='name') | list -%}
        {%- for name in overrides if name not in seeds -%}
            {{ exceptions.raise_compiler_error(
                "revenue_funnel_config_tables: '" ~ name ~ "' is not a configuration table of revenue_funnel;"
                ~ " the replaceable ones are its seeds: " ~ seeds | sort | join(', ')
            ) }}
        {%- endfor -%}
    {%- endif -%}
    {%- set replacement = overrides.get(seed_name) -%}
    {%- if not replacement -%}
        {{ return(ref('revenue_funnel', seed_name)) }}
    {%- elif '.' in replacement -%}
        {{ return(ref(replacement.split('.')[0], replacement.split('.')[1])) }}
    {%- else -%}
        {{ return(ref(replacement)) }}
    {%- endif -%}
{% endmacro %}

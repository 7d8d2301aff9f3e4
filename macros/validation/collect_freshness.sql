{#
    Overrides dbt's entry point for `dbt source freshness` (the root project
    wins over the global macro of the same name) only to validate the source
    vars first: freshness runs before any model compiles, so without this a
    hostile salesforce_schema would reach the warehouse. The query itself is
    still the adapter's own.
#}
{% macro collect_freshness(source, loaded_at_field, filter) %}
    {%- do validate_source_vars() -%}
    {{ return(adapter.dispatch('collect_freshness', 'dbt')(source, loaded_at_field, filter)) }}
{% endmacro %}

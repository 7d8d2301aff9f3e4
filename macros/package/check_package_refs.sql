{#
    Run at the start of every dbt run or build (on-run-start in dbt_project.yml).
    Installed as a package, a data test that YAML attaches to one of the package's
    models reaches that model through a one-argument ref, which dbt resolves in
    the root project first: where the host project has a model of the same name
    (its own dim_calendar, stg_salesforce__leads...), the package's test would read
    the host's table and pass or fail on the wrong data. dbt 1.11's flag
    require_ref_searches_node_package_before_root makes dbt search the package
    first; dbt 1.10 has no such flag. This check stops the run when any test of
    the package depends on another project's node that has the name of one of the
    package's own, naming them and the fix. Standalone it finds nothing.
#}
{% macro check_package_refs() %}
    {%- if not execute -%}
        {{ return('') }}
    {%- endif -%}
    {%- set own_names = graph.nodes.values()
        | selectattr('package_name', 'equalto', 'revenue_funnel')
        | rejectattr('resource_type', 'equalto', 'test')
        | map(attribute='name') | list -%}
    {%- set misread = [] -%}
    {%- for test_node in graph.nodes.values()
        if test_node.resource_type == 'test' and test_node.package_name == 'revenue_funnel'
            and test_node.unique_id in selected_resources -%}
        {%- for parent_id in test_node.depends_on.nodes
            if parent_id.split('.')[1] != 'revenue_funnel' and parent_id.split('.')[-1] in own_names -%}
            {%- do misread.append(parent_id) -%}
        {%- endfor -%}
    {%- endfor -%}
    {%- if misread -%}
        {{ exceptions.raise_compiler_error(
            "revenue_funnel: the package's data tests would read your project's "
            ~ misread | unique | sort | join(', ')
            ~ " instead of the package's models of the same name. On dbt 1.11, add to your dbt_project.yml"
            ~ " `flags: {require_ref_searches_node_package_before_root: true}`; on dbt 1.10, rename"
            ~ " your models or install the package into a project without those names (docs/install_as_package.md)."
        ) }}
    {%- endif -%}
    {{ return('') }}
{% endmacro %}

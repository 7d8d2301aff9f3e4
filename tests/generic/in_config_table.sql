{#
    The relationships test for configuration: every value of the column is a
    value of `field` in a configuration table (a seed of this project, or the
    model a host project put in its place through the var
    revenue_funnel_config_tables - see macro config_table). dbt's own
    relationships test takes a fixed ref, which would check the package's seed
    even where the host configured another table.
    Returns each value missing from the configuration with its row count.
#}
{% test in_config_table(model, column_name, config_table, field) %}

with configured as (

    select {{ field }} as configured_value
    from {{ revenue_funnel.config_table(config_table) }}
    where {{ field }} is not null

)

select
    {{ column_name }} as missing_value,
    count(*) as rows_count
from {{ model }}
where
    {{ column_name }} is not null
    and {{ column_name }} not in (select configured.configured_value from configured)
group by {{ column_name }}

{% endtest %}

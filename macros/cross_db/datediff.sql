{#
    dbt.datediff on Postgres and Spark, with whole calendar units typed bigint
    as on DuckDB.

    dbt-postgres returns a day difference as `date - date` (a 4-byte integer)
    and month, quarter and year differences from date_part (double precision);
    dbt-spark returns Spark's datediff (int) for days and floor/ceil results
    for the other units, where DuckDB returns bigint. Marts with an enforced
    contract declare day counts `bigint` (dim_campaigns.active_days,
    fct_department_kpis.elapsed_days, fct_funnel_cohorts.cohort_age_days...),
    and both adapters' contract checks tell int from bigint, so those models
    failed there. For the `dbt` namespace dbt searches the root project before
    its own packages, so these macros replace the adapters' for every
    dbt.datediff call in the project; each wraps the adapter's own expression
    in a cast. Hour, minute and second differences keep the adapter's type
    (double precision on Postgres), which days_between() divides without
    turning them into numeric.
#}
{% macro postgres__datediff(first_date, second_date, datepart) -%}
    {{ _bigint_calendar_datediff(dbt.postgres__datediff(first_date, second_date, datepart), datepart) }}
{%- endmacro %}

{% macro spark__datediff(first_date, second_date, datepart) -%}
    {{ _bigint_calendar_datediff(dbt.spark__datediff(first_date, second_date, datepart), datepart) }}
{%- endmacro %}

{% macro _bigint_calendar_datediff(expression, datepart) -%}
    {%- if datepart | lower in ['day', 'week', 'month', 'quarter', 'year'] -%}
        cast({{ expression }} as bigint)
    {%- else -%}
        {{ expression }}
    {%- endif -%}
{%- endmacro %}

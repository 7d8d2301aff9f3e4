{#
    dbt.datediff on Postgres, with whole calendar units typed bigint as on DuckDB.

    dbt-postgres returns a day difference as `date - date` (a 4-byte integer)
    and month, quarter and year differences from date_part (double precision),
    where DuckDB returns bigint. Marts with an enforced contract declare day
    counts `bigint` (dim_campaigns.active_days, fct_department_kpis.elapsed_days,
    fct_funnel_cohorts.cohort_age_days...), and Postgres' contract check tells
    INTEGER from LONGINTEGER, so those models failed there. For the `dbt`
    namespace dbt searches the root project before its own packages, so this
    macro replaces the adapter's for every dbt.datediff call in the project; it
    wraps the adapter's own expression (dbt.postgres__datediff) in a cast.
    Hour, minute and second differences keep dbt-postgres' type (double
    precision), which days_between() divides without turning them into numeric.
#}
{% macro postgres__datediff(first_date, second_date, datepart) -%}
    {%- if datepart | lower in ['day', 'week', 'month', 'quarter', 'year'] -%}
        cast({{ dbt.postgres__datediff(first_date, second_date, datepart) }} as bigint)
    {%- else -%}
        {{ dbt.postgres__datediff(first_date, second_date, datepart) }}
    {%- endif -%}
{%- endmacro %}

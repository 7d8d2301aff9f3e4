{#
    Whether the warehouse itself refuses a null in a column with a not_null
    contract constraint. DuckDB and Postgres do (the table is created with the
    column declared not null, then filled); Spark tables in Parquet do not
    (dbt-spark sets the constraint on Delta only). Where this is false, the
    generic test not_null_constraints_hold checks the same columns instead.
#}
{% macro enforces_not_null_constraints() %}
    {{ return(adapter.dispatch('enforces_not_null_constraints', 'revenue_funnel')()) }}
{% endmacro %}

{% macro default__enforces_not_null_constraints() %}
    {{ return(false) }}
{% endmacro %}

{% macro duckdb__enforces_not_null_constraints() %}
    {{ return(true) }}
{% endmacro %}

{% macro postgres__enforces_not_null_constraints() %}
    {{ return(true) }}
{% endmacro %}

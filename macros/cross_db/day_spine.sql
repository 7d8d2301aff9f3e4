{#
    A select of one row per day (column date_day) from first_date to last_date
    inclusive, both SQL expressions over the relation `bounds_relation` (one
    row). Portable: numbers come from cross-joined digits, not from a
    warehouse-specific generator. Covers up to 100,000 days (270 years).
#}
{% macro day_spine(bounds_relation, first_date, last_date) %}
    select cast({{ dbt.dateadd('day', 'day_offsets.day_offset', first_date) }} as date) as date_day
    from (
        select
            ones.digit + 10 * tens.digit + 100 * hundreds.digit + 1000 * thousands.digit
            + 10000 * ten_thousands.digit as day_offset
        from {{ _digits() }} as ones
        cross join {{ _digits() }} as tens
        cross join {{ _digits() }} as hundreds
        cross join {{ _digits() }} as thousands
        cross join {{ _digits() }} as ten_thousands
    ) as day_offsets
    cross join {{ bounds_relation }}
    where day_offsets.day_offset <= {{ dbt.datediff(first_date, last_date, 'day') }}
{% endmacro %}

{% macro _digits() -%}
    (
        {%- for digit in range(10) %}
        select {{ digit }} as digit{% if not loop.last %} union all{% endif %}
        {%- endfor %}
    )
{%- endmacro %}

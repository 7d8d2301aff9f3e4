{#
    The time spine MetricFlow needs: one row per day, the days of
    dim_calendar (from the first lead's year to the end of the as-of year),
    so the semantic layer and the marts share one calendar.
#}
with

calendar as (

    select * from {{ ref('revenue_funnel', 'dim_calendar') }}

),

final as (

    select calendar.date_day
    from calendar

)

select * from final

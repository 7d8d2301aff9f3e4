{#
    One row per department and month: the month rows of fct_department_kpi_periods,
    the one definition of a department's KPI against its target, named by month.
    The KPI assigned to the department on the first day of the month (seed
    department_kpi_assignments), its actual, its target (seed department_targets),
    attainment, and for the month of the as-of date the pacing against a
    straight-line daily target. Marketing and Inside Sales can hold the same stage
    at once: kpi_holder_count > 1 marks a shared KPI.
#}
with

kpi_periods as (

    select * from {{ ref('revenue_funnel', 'fct_department_kpi_periods') }}
    where period_grain = 'month'

),

final as (

    select
        department,
        period_start_date as month_start_date,
        kpi_stage,
        kpi_holder_count,
        is_shared_kpi,
        actual_value,
        target_value,
        attainment_rate,
        elapsed_days,
        days_in_period as days_in_month,
        is_complete_period as is_complete_month,
        target_to_date_value,
        pacing_rate,
        projected_value
    from kpi_periods

)

select * from final

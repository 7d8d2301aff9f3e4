-- Question (each department head): "Which KPI do we hold this month, are we on
-- pace for its target, and is it shared with another team?"
select
    department,
    month_start_date,
    kpi_stage,
    is_shared_kpi,
    actual_value,
    target_value,
    target_to_date_value,
    pacing_rate,
    projected_value,
    attainment_rate
from {{ ref('revenue_funnel', 'fct_department_kpis') }}
where month_start_date = (select max(kpis.month_start_date) from {{ ref('revenue_funnel', 'fct_department_kpis') }} as kpis)
order by department

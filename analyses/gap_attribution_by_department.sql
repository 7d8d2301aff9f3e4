-- Question (Field Sales, Inside Sales): "We missed the target this month - how
-- much of the gap came from each department's factor?" In KPI units, so the
-- parts add up to actual minus plan. Period view: the month's counts against
-- the month's targets (the cohort view follows the month's leads instead).
select
    department,
    period_start_date,
    kpi_stage,
    kpi_actual,
    kpi_plan,
    kpi_gap,
    owner_department,
    sum(gap_part_in_kpi_units) as gap_from_owner_department
from {{ ref('revenue_funnel', 'fct_kpi_gap_attribution') }}
where
    conversion_view = 'period'
    and is_computable
    and period_start_date = (
        select max(gap.period_start_date)
        from {{ ref('revenue_funnel', 'fct_kpi_gap_attribution') }} as gap
        where gap.conversion_view = 'period' and gap.is_complete_period
    )
group by department, period_start_date, kpi_stage, kpi_actual, kpi_plan, kpi_gap, owner_department
order by department, owner_department

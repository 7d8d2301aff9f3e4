-- Question (the CEO, and every department head): "How much of the KPI we hold
-- can we actually move ourselves - and what happened to Marketing's share when
-- its KPI moved from leads to appointments to pipeline?"
-- For each department and the KPI it held, the controllable share of the KPI's
-- variance over the trailing window (mean over the periods it held that KPI),
-- next to the structural controllability and the inheritance depth.
with

controllability as (

    select * from {{ ref('revenue_funnel', 'fct_kpi_controllability') }}
    where is_assigned_kpi and controllable_share is not null

)

select
    department,
    kpi_stage,
    min(window_end_period_start_date) as first_period,
    max(window_end_period_start_date) as last_period,
    max(structural_controllability) as structural_controllability,
    max(inheritance_depth) as inheritance_depth,
    avg(controllable_share) as mean_controllable_share,
    avg(inherited_share) as mean_inherited_share
from controllability
group by department, kpi_stage
order by department, first_period

-- Question (the CEO, and every department head): "How much of the KPI we hold
-- can we actually move ourselves - and what happened to Marketing's share when
-- its KPI moved from leads to appointments to pipeline?"
-- For each department, the KPI it held and each conversion view, the controllable
-- share of the KPI's variance over the trailing window (mean over the windows that
-- end in the periods it held that KPI), next to the structural controllability and
-- the inheritance depth; the share's chance part (what counting noise alone gives
-- at this volume), its systematic part, the mean jackknife standard error, and in
-- how many of those windows the share could not be told from 0 or from 1.
with

controllability as (

    select * from {{ ref('revenue_funnel', 'fct_kpi_controllability') }}
    where is_assigned_kpi and controllable_share is not null

)

select
    department,
    kpi_stage,
    conversion_view,
    min(window_end_period_start_date) as first_period,
    max(window_end_period_start_date) as last_period,
    max(structural_controllability) as structural_controllability,
    max(inheritance_depth) as inheritance_depth,
    avg(controllable_share) as mean_controllable_share,
    avg(controllable_chance_share) as mean_chance_share,
    avg(controllable_systematic_share) as mean_systematic_share,
    avg(controllable_share_standard_error) as mean_standard_error,
    count(case when is_share_indistinguishable_from_zero or is_share_indistinguishable_from_one then 1 end)
        as undecided_windows_count,
    count(*) as windows_count
from controllability
group by department, kpi_stage, conversion_view
order by department, first_period, conversion_view

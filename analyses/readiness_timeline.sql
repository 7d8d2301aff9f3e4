-- Question (Marketing, with the CEO): "When did Marketing become ready to take
-- on the next stage as its KPI, and was any KPI given to it before it was ready
-- (無理なKPI設定)?" In both views: the period view judges every month on its
-- flow ratios, the cohort view the months with mature cohorts on true rates.
select
    conversion_view,
    department,
    period_start_date,
    kpi_stage,
    next_kpi_stage,
    next_rate_cv,
    is_next_rate_stable,
    target_hits_count,
    is_ready_for_next_stage,
    held_rate_cv,
    is_beyond_readiness
from {{ ref('revenue_funnel', 'fct_kpi_readiness') }}
order by conversion_view desc, department asc, period_start_date asc

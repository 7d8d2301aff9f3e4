-- Var(log N_k) = sum_i Cov(log f_i, log N_k) exactly, so the factor shares of
-- every KPI and window sum to 1, and each department's controllable and
-- inherited shares sum to 1 too.
with

factor_totals as (

    select
        window_end_period_start_date,
        kpi_stage,
        sum(variance_share) as share_total,
        count(variance_share) as shares_count,
        count(*) as factors_count
    from {{ ref('revenue_funnel', 'fct_kpi_controllability_factors') }}
    group by window_end_period_start_date, kpi_stage

)

select
    'factor shares' as check_name,
    window_end_period_start_date,
    kpi_stage,
    share_total
from factor_totals
where
    shares_count = factors_count
    and abs(share_total - 1) > 1e-9

union all

select
    'controllable + inherited' as check_name,
    window_end_period_start_date,
    kpi_stage,
    controllable_share + inherited_share as share_total
from {{ ref('revenue_funnel', 'fct_kpi_controllability') }}
where abs(controllable_share + inherited_share - 1) > 1e-9

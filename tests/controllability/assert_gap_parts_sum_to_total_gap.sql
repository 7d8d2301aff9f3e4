-- log(N_k / plan_k) = sum_i log(f_i / p_i): the factor parts of every
-- department's gap add up to the total gap, in logs and in KPI units, in both views.
with

totals as (

    select
        conversion_view,
        department,
        period_start_date,
        sum(log_gap_part) as log_part_total,
        max(total_log_gap) as total_log_gap,
        sum(gap_part_in_kpi_units) as unit_part_total,
        max(kpi_gap) as kpi_gap
    from {{ ref('revenue_funnel', 'fct_kpi_gap_attribution') }}
    where is_computable
    group by conversion_view, department, period_start_date

)

select *
from totals
where
    abs(log_part_total - total_log_gap) > 1e-9
    or abs(unit_part_total - kpi_gap) > 1e-6 * (1 + abs(kpi_gap))

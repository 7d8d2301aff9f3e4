-- Question (Inside Sales and Field Sales): "How quickly are new leads handled,
-- and how long do deals take from pipeline to won - is it getting slower?"
select
    period_start_date,
    from_stage,
    to_stage,
    transitions_count,
    median_days,
    p75_days
from {{ ref('revenue_funnel', 'fct_stage_velocity') }}
where
    velocity_type = 'milestone'
    and (
        (from_stage = 'lead' and to_stage = 'handled')
        or (from_stage = 'pipeline' and to_stage = 'won')
    )
order by from_stage asc, period_start_date desc

-- Question (Marketing and Inside Sales): "Which channels bring many leads but
-- few appointments - quantity against quality?" Cohort view over mature cohorts
-- only, so recent leads that have not had time to convert do not drag a channel down.
with

cohorts as (

    select * from {{ ref('revenue_funnel', 'fct_funnel_cohorts') }}
    where breakdown_dimension = 'channel' and is_mature

)

select
    breakdown_value as channel,
    sum(leads_count) as leads_count,
    sum(reached_appointment_within_window_count) as appointments_within_window_count,
    sum(reached_won_count) as won_count,
    {{ safe_divide('sum(reached_appointment_within_window_count)', 'sum(leads_count)') }}
        as appointment_within_window_rate,
    {{ safe_divide('sum(reached_won_count)', 'sum(leads_count)') }} as lead_to_won_rate
from cohorts
group by breakdown_value
order by leads_count desc

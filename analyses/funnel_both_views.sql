-- Question (all leaders): "How did the funnel convert over the last 12 months -
-- and does the answer change between the period view and the cohort view?"
-- The period view divides what happened in a month by what happened in the same
-- month; the cohort view follows the leads created in a month. Young cohorts
-- are marked by their maturity.
with

periods as (

    select * from {{ ref('revenue_funnel', 'fct_funnel_periods') }}
    where breakdown_dimension = 'total'

),

cohorts as (

    select * from {{ ref('revenue_funnel', 'fct_funnel_cohorts') }}
    where breakdown_dimension = 'total'

)

select
    periods.period_start_date,
    periods.leads_count,
    periods.appointments_count,
    periods.pipeline_count,
    periods.won_count,
    periods.won_amount,
    periods.appointment_factor as period_appointment_rate,
    cohorts.cohort_appointment_rate,
    cohorts.cohort_appointment_within_window_rate,
    cohorts.cohort_won_rate,
    cohorts.cohort_maturity_rate,
    periods.is_complete_period
from periods
left join cohorts
    on periods.period_start_date = cohorts.cohort_start_date
order by periods.period_start_date desc
limit 12

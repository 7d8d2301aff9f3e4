-- A factor whose denominator is zero is null, never infinite or NaN (NaN sorts
-- above every number in DuckDB and Postgres, so the abs() bound catches it too).
select *
from {{ ref('revenue_funnel', 'fct_funnel_periods') }}
where
    (leads_count = 0 and appointment_factor is not null)
    or (appointments_count = 0 and pipeline_factor is not null)
    or (pipeline_count = 0 and won_factor is not null)
    or (leads_count > 0 and appointment_factor is null)
    or abs(appointment_factor) > 1e300
    or abs(pipeline_factor) > 1e300
    or abs(won_factor) > 1e300

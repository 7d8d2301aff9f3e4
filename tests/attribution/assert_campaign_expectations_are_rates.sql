-- Expected appointment rates in the seed campaign_expectations are shares
-- between 0 and 1.
select *
from {{ config_table('campaign_expectations') }}
where not (expected_appointment_rate >= 0 and expected_appointment_rate <= 1)

-- Every staged lead is in fct_funnel_leads, and every lead that no exclusion
-- flag applies to is counted at the lead stage.
with

staged as (

    select * from {{ ref('revenue_funnel', 'stg_salesforce__leads') }}

),

funnel_leads as (

    select * from {{ ref('revenue_funnel', 'fct_funnel_leads') }}

),

lead_events as (

    select * from {{ ref('revenue_funnel', 'fct_funnel_stage_events') }}
    where funnel_stage = 'lead'

)

select
    staged.lead_id,
    funnel_leads.lead_id as funnel_lead_id,
    funnel_leads.is_excluded
from staged
left join funnel_leads
    on staged.lead_id = funnel_leads.lead_id
left join lead_events
    on staged.lead_id = lead_events.person_id
where
    funnel_leads.lead_id is null
    or (not funnel_leads.is_excluded and lead_events.person_id is null)
    or (funnel_leads.is_excluded and lead_events.person_id is not null)

{#
    One row per opportunity: the person it belongs to (through the lead
    converted into it, else its contact roles - primary first, then the
    earliest - else its contact_id, else, by var
    opportunity_account_person_rule, the account's earliest person), when it first reached a
    stage mapped to pipeline (or won), whether and when it was won or lost as
    of the as-of date, whether it was reopened, and its amount in the
    corporate currency at the dated exchange rate of its close date.
#}
{%- set account_rule = validated_var('opportunity_account_person_rule', allowed=['earliest_person', 'none']) -%}

with

opportunities as (

    select * from {{ ref('revenue_funnel', 'stg_salesforce__opportunities') }}

),

visits as (

    select * from {{ ref('revenue_funnel', 'int_opportunity_stage_visits') }}

),

leads as (

    select * from {{ ref('revenue_funnel', 'stg_salesforce__leads') }}

),

identities as (

    select * from {{ ref('revenue_funnel', 'int_person_identities') }}

),

contact_roles as (

    select * from {{ ref('revenue_funnel', 'stg_salesforce__opportunity_contact_roles') }}

),

contacts as (

    select * from {{ ref('revenue_funnel', 'stg_salesforce__contacts') }}

),

exchange_rates as (

    select * from {{ ref('revenue_funnel', 'int_exchange_rates_daily') }}

),

as_of as (

    select * from {{ ref('revenue_funnel', 'int_as_of_date') }}

),

visit_summary as (

    select
        opportunity_id,
        min(case when funnel_stage in ('pipeline', 'won') then entered_at end) as pipeline_at,
        max(case when is_current_visit and funnel_stage = 'won' then entered_at end) as won_at,
        max(case when is_current_visit and funnel_stage = 'lost' then entered_at end) as lost_at,
        max(case when is_current_visit then funnel_stage end) as funnel_stage_as_of,
        count(case when is_closed_stage and not is_current_visit then 1 end) > 0 as is_reopened,
        count(case when is_unmapped_stage then 1 end) as unmapped_stage_visit_count,
        count(*) as stage_visit_count
    from visits
    group by opportunity_id

),

converting_leads as (

    select
        converted_opportunity_id as opportunity_id,
        min(lead_id) as lead_id
    from leads
    where converted_opportunity_id is not null
    group by converted_opportunity_id

),

corporate_currency as (

    select min(currency_code) as corporate_currency_code
    from exchange_rates
    where is_corporate

),

-- most orgs link deals to people through contact roles, not opportunity.contact_id
role_persons as (

    select
        opportunity_id,
        person_id
    from (
        select
            contact_roles.opportunity_id,
            identities.person_id,
            row_number() over (
                partition by contact_roles.opportunity_id
                order by
                    case when contact_roles.is_primary then 0 else 1 end,
                    contact_roles.created_at,
                    contact_roles.opportunity_contact_role_id
            ) as role_rank
        from contact_roles
        inner join identities
            on contact_roles.contact_id = identities.record_id
    ) as ranked_roles
    where role_rank = 1

),

-- the account's earliest person: its first contact, or the first lead converted into it
account_persons as (

    select
        account_id,
        person_id
    from (
        select
            account_id,
            person_id,
            row_number() over (partition by account_id order by created_at, person_id) as account_rank
        from (
            select
                contacts.account_id,
                identities.person_id,
                contacts.created_at
            from contacts
            inner join identities
                on contacts.contact_id = identities.record_id
            where contacts.account_id is not null

            union all

            select
                leads.converted_account_id as account_id,
                identities.person_id,
                leads.created_at
            from leads
            inner join identities
                on leads.lead_id = identities.record_id
            where leads.is_converted and leads.converted_account_id is not null
        ) as account_people
    ) as ranked_people
    -- var opportunity_account_person_rule = 'none': no opportunity is attached by its account
    where account_rank = 1 and {{ 'true' if account_rule == 'earliest_person' else 'false' }}

),

persons as (

    select
        opportunities.opportunity_id,
        coalesce(
            lead_person.person_id,
            role_person.person_id,
            contact_person.person_id,
            account_person.person_id
        ) as person_id,
        case
            when lead_person.person_id is not null then 'converted_lead'
            when role_person.person_id is not null then 'contact_role'
            when contact_person.person_id is not null then 'contact'
            when account_person.person_id is not null then 'account'
        end as person_link
    from opportunities
    left join converting_leads
        on opportunities.opportunity_id = converting_leads.opportunity_id
    left join identities as lead_person
        on converting_leads.lead_id = lead_person.record_id
    left join role_persons as role_person
        on opportunities.opportunity_id = role_person.opportunity_id
    left join identities as contact_person
        on opportunities.contact_id = contact_person.record_id
    left join account_persons as account_person
        on opportunities.account_id = account_person.account_id

),

converted as (

    select
        opportunities.opportunity_id,
        -- a single-currency org has no currency column: amounts are corporate
        coalesce(opportunities.currency_code, corporate_currency.corporate_currency_code) as currency_code,
        opportunities.amount_local,
        case when corporate_currency.corporate_currency_code is null then 1.0 else exchange_rates.conversion_rate end
            as conversion_rate,
        case
            when corporate_currency.corporate_currency_code is null then 'corporate'
            else coalesce(exchange_rates.rate_source, 'missing')
        end as conversion_rate_source
    from opportunities
    cross join corporate_currency
    left join exchange_rates
        on coalesce(opportunities.currency_code, corporate_currency.corporate_currency_code)
            = exchange_rates.currency_code
            and opportunities.close_date = exchange_rates.date_day

),

final as (

    select
        opportunities.opportunity_id,
        persons.person_id,
        persons.person_link,
        opportunities.account_id,
        opportunities.campaign_id,
        opportunities.owner_user_id,
        opportunities.stage_name as current_stage_name,
        visit_summary.funnel_stage_as_of,
        opportunities.loss_reason,
        opportunities.close_date,
        opportunities.created_at,
        visit_summary.pipeline_at,
        visit_summary.won_at,
        visit_summary.lost_at,
        coalesce(visit_summary.is_reopened, false) as is_reopened,
        coalesce(visit_summary.unmapped_stage_visit_count, 0) as unmapped_stage_visit_count,
        coalesce(visit_summary.stage_visit_count, 0) as stage_visit_count,
        converted.currency_code,
        converted.amount_local,
        converted.conversion_rate,
        converted.conversion_rate_source,
        {{ safe_divide('converted.amount_local', 'converted.conversion_rate') }} as amount
    from opportunities
    inner join persons
        on opportunities.opportunity_id = persons.opportunity_id
    inner join converted
        on opportunities.opportunity_id = converted.opportunity_id
    left join visit_summary
        on opportunities.opportunity_id = visit_summary.opportunity_id
    cross join as_of
    where opportunities.created_at < as_of.as_of_end_at

)

select * from final

{#
    One row per data-quality check of the funnel layer: how many rows it
    caught and what happened to them - `excluded` (kept out of the funnel
    counts) or `flagged` (counted, but marked). Together with
    audit_salesforce_row_counts, every raw row is either in the funnel or
    visibly accounted for. References into an extract that lacks the record
    (an account that was not synced, a role missing from user_role...) are
    flagged, one check per reference: the rows stay in the funnel and fall
    back to explicit members (department Unassigned or Unmapped, no tier).
    Implausible inputs are counted too: negative amounts, amounts above var
    opportunity_amount_max, close dates before creation, and dates outside
    vars plausible_date_min / plausible_date_max (plausibility_date_checks):
    leads created before the minimum are excluded, the rest flagged.
#}
{%- set bounds = plausibility_bounds() %}
with

leads as (

    select * from {{ ref('revenue_funnel', 'fct_funnel_leads') }}

),

opportunities as (

    select * from {{ ref('revenue_funnel', 'stg_salesforce__opportunities') }}

),

outcomes as (

    select * from {{ ref('revenue_funnel', 'int_opportunity_outcomes') }}

),

visits as (

    select * from {{ ref('revenue_funnel', 'int_opportunity_stage_visits') }}

),

users as (

    select * from {{ ref('revenue_funnel', 'dim_users') }}

),

tasks as (

    select * from {{ ref('revenue_funnel', 'stg_salesforce__tasks') }}

),

events as (

    select * from {{ ref('revenue_funnel', 'stg_salesforce__events') }}

),

identities as (

    select * from {{ ref('revenue_funnel', 'int_person_identities') }}

),

{# Leads and contacts deleted in the CRM are dropped in staging (var
    salesforce_deleted_records = 'exclude'), so their activities have no
    person; naming that reason keeps them apart from truly orphaned rows. #}
deleted_person_records as (

    select id as record_id from {{ ref('revenue_funnel', 'base_salesforce__lead') }}
    where exclusion_reason = 'deleted'
    union all
    select id as record_id from {{ ref('revenue_funnel', 'base_salesforce__contact') }}
    where exclusion_reason = 'deleted'

),

stage_mapping as (

    select * from {{ ref('revenue_funnel', 'int_opportunity_stage_mapping') }}

),

{#- the staging models a reference may point into (and whose rows hold references) -#}
{%- set referenced = {
    'staged_leads': 'stg_salesforce__leads',
    'staged_contacts': 'stg_salesforce__contacts',
    'staged_accounts': 'stg_salesforce__accounts',
    'staged_users': 'stg_salesforce__users',
    'staged_user_roles': 'stg_salesforce__user_roles',
    'staged_campaigns': 'stg_salesforce__campaigns',
    'staged_campaign_members': 'stg_salesforce__campaign_members',
    'staged_opportunity_history': 'stg_salesforce__opportunity_history',
    'staged_contact_roles': 'stg_salesforce__opportunity_contact_roles',
} %}
{%- for cte_name, model_name in referenced.items() %}
    {{ cte_name }} as (

        select * from {{ ref('revenue_funnel', model_name) }}

    ),
{% endfor %}

{# The seed mapping decides whether a deal is won; a CRM flag that disagrees
    with it (a stage renamed in one place but not the other) is counted here
    so the disagreement is visible, not silently resolved. #}
opportunity_won_flags as (

    select
        opportunities.opportunity_id,
        opportunities.is_won != stage_mapping.is_won as is_won_contradicts_mapping
    from opportunities
    inner join stage_mapping
        on opportunities.opportunity_id = stage_mapping.opportunity_id
            and opportunities.stage_name = stage_mapping.stage_name
    where not stage_mapping.is_unmapped

),

{%- set activity_of_deleted_person -%}
    who_id in (select deleted_person_records.record_id from deleted_person_records)
{%- endset -%}
{%- set activity_without_person -%}
    (who_id is null or who_id not in (select identities.record_id from identities))
    and not coalesce({{ activity_of_deleted_person }}, false)
{%- endset %}

{#- (object, check, rows, reference column, referenced rows, their id column) -#}
{%- set references = [
    ('lead', 'converted_contact_not_in_extract', 'staged_leads', 'converted_contact_id', 'staged_contacts', 'contact_id'),
    ('lead', 'converted_account_not_in_extract', 'staged_leads', 'converted_account_id', 'staged_accounts', 'account_id'),
    ('lead', 'owner_not_in_extract', 'staged_leads', 'owner_user_id', 'staged_users', 'user_id'),
    ('contact', 'account_not_in_extract', 'staged_contacts', 'account_id', 'staged_accounts', 'account_id'),
    ('opportunity', 'account_not_in_extract', 'opportunities', 'account_id', 'staged_accounts', 'account_id'),
    ('opportunity', 'owner_not_in_extract', 'opportunities', 'owner_user_id', 'staged_users', 'user_id'),
    ('opportunity_contact_role', 'opportunity_not_in_extract', 'staged_contact_roles', 'opportunity_id', 'opportunities', 'opportunity_id'),
    ('opportunity_contact_role', 'contact_not_in_extract', 'staged_contact_roles', 'contact_id', 'staged_contacts', 'contact_id'),
    ('opportunity_history', 'opportunity_not_in_extract', 'staged_opportunity_history', 'opportunity_id', 'opportunities', 'opportunity_id'),
    ('campaign_member', 'campaign_not_in_extract', 'staged_campaign_members', 'campaign_id', 'staged_campaigns', 'campaign_id'),
    ('user', 'role_not_in_extract', 'staged_users', 'user_role_id', 'staged_user_roles', 'user_role_id'),
    ('task', 'owner_not_in_extract', 'tasks', 'owner_user_id', 'staged_users', 'user_id'),
    ('event', 'owner_not_in_extract', 'events', 'owner_user_id', 'staged_users', 'user_id'),
] %}

{%- set checks = [
    ('lead', 'test_lead', 'excluded', 'leads', 'is_test_lead'),
    ('lead', 'deleted_lead', 'excluded', 'leads', 'is_deleted'),
    ('lead', 'duplicate_person', 'excluded', 'leads', 'is_duplicate_person'),
    ('lead', 'created_after_as_of_date', 'excluded', 'leads', 'is_created_after_as_of'),
    ('lead', 'missing_owner', 'flagged', 'leads', 'has_missing_owner'),
    ('lead', 'pipeline_without_appointment', 'flagged', 'leads', 'has_skipped_appointment and not is_excluded'),
    ('lead', 'won_amount_without_exchange_rate', 'flagged', 'leads', 'has_missing_exchange_rate and not is_excluded'),
    ('opportunity', 'opportunity_without_person', 'excluded', 'opportunities',
        'opportunity_id not in (select outcomes.opportunity_id from outcomes where outcomes.person_id is not null)'),
    ('opportunity', 'reopened_opportunity', 'flagged', 'outcomes', 'is_reopened'),
    ('opportunity', 'is_won_contradicts_stage_mapping', 'flagged', 'opportunity_won_flags',
        'is_won_contradicts_mapping'),
    ('opportunity_stage_visit', 'unmapped_stage_name', 'excluded', 'visits', 'is_unmapped_stage'),
    ('user', 'unmapped_role', 'flagged', 'users', 'is_unmapped_role'),
    ('task', 'activity_of_deleted_person', 'excluded', 'tasks', activity_of_deleted_person),
    ('task', 'activity_without_person', 'excluded', 'tasks', activity_without_person),
    ('event', 'activity_of_deleted_person', 'excluded', 'events', activity_of_deleted_person),
    ('event', 'activity_without_person', 'excluded', 'events', activity_without_person),
    ('opportunity', 'person_attached_by_account', 'flagged', 'outcomes', "person_link = 'account'"),
    ('opportunity', 'person_attached_by_contact_role', 'flagged', 'outcomes', "person_link = 'contact_role'"),
    ('lead', 'created_before_plausible_date', 'excluded', 'leads', 'is_created_before_plausible_date'),
    ('opportunity', 'negative_amount', 'flagged', 'opportunities', 'amount_local < 0'),
    ('opportunity', 'amount_above_plausible_max', 'flagged', 'outcomes', 'amount > ' ~ bounds.amount_max),
    ('opportunity', 'close_date_before_created_date', 'flagged', 'opportunities',
        'close_date < cast(created_at as date)'),
] %}
{#- dates outside the plausible range: leads created before the minimum are excluded above -#}
{%- set date_relations = {
    'stg_salesforce__leads': 'staged_leads',
    'stg_salesforce__opportunities': 'opportunities',
    'stg_salesforce__opportunity_history': 'staged_opportunity_history',
    'stg_salesforce__tasks': 'tasks',
    'stg_salesforce__events': 'events',
    'stg_salesforce__campaign_members': 'staged_campaign_members',
} %}
{%- for date_check in plausibility_date_checks() -%}
    {%- if date_check.object != 'lead' -%}
        {%- do checks.append((date_check.object, 'dated_before_plausible_date', 'flagged',
            date_relations[date_check.model], date_check.before_min)) -%}
    {%- endif -%}
    {%- do checks.append((date_check.object, 'dated_after_plausible_date', 'flagged',
        date_relations[date_check.model], date_check.after_max)) -%}
{%- endfor %}
{#- a reference to a record the export does not hold: flagged, the row stays -#}
{%- for checked_object, check_name, relation, column, target, target_column in references -%}
    {%- do checks.append((checked_object, check_name, 'flagged', relation,
        column ~ ' is not null and ' ~ column ~ ' not in (select ' ~ target ~ '.' ~ target_column ~ ' from ' ~ target ~ ')')) -%}
{%- endfor %}

checks as (

    {%- for checked_object, check_name, treatment, relation, condition in checks %}
        select
            '{{ checked_object }}' as checked_object,
            '{{ check_name }}' as check_name,
            '{{ treatment }}' as treatment,
            count(case when {{ condition }} then 1 end) as row_count
        from {{ relation }}
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}

),

final as (

    select
        checked_object,
        check_name,
        treatment,
        cast(coalesce(row_count, 0) as {{ dbt.type_bigint() }}) as row_count
    from checks

)

select * from final

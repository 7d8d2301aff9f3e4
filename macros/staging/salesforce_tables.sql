{#
    Raw Salesforce tables and the staging model each one feeds, in one place
    for the row audit and its reconciliation test.
#}
{% macro salesforce_tables() %}
    {{ return({
        'account': 'stg_salesforce__accounts',
        'contact': 'stg_salesforce__contacts',
        'lead': 'stg_salesforce__leads',
        'campaign': 'stg_salesforce__campaigns',
        'campaign_member': 'stg_salesforce__campaign_members',
        'opportunity': 'stg_salesforce__opportunities',
        'opportunity_history': 'stg_salesforce__opportunity_history',
        'opportunity_contact_role': 'stg_salesforce__opportunity_contact_roles',
        'record_type': 'stg_salesforce__record_types',
        'task': 'stg_salesforce__tasks',
        'event': 'stg_salesforce__events',
        'user': 'stg_salesforce__users',
        'user_role': 'stg_salesforce__user_roles',
        'currency_type': 'stg_salesforce__currency_types',
        'dated_conversion_rate': 'stg_salesforce__dated_conversion_rates',
    }) }}
{% endmacro %}

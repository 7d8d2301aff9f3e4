{{ salesforce_base_model('opportunity_contact_role', incremental=true) }}

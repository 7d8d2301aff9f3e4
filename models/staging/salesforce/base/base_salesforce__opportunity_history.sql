{{ salesforce_base_model('opportunity_history', incremental=true) }}

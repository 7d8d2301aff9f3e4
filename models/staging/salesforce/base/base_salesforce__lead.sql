{{ salesforce_base_model('lead', incremental=true) }}

{{ salesforce_base_model('opportunity', incremental=true) }}

{{ salesforce_base_model('account', incremental=true) }}

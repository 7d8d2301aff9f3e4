{{ salesforce_base_model('task', incremental=true) }}

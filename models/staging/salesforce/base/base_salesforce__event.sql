{{ salesforce_base_model('event', incremental=true) }}

{{ salesforce_base_model('contact', incremental=true) }}

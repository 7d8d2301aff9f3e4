{{ salesforce_base_model('user') }}

{{ salesforce_base_model('account') }}

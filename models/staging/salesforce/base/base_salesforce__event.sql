{{ salesforce_base_model('event') }}

{{ salesforce_base_model('contact') }}

{{ salesforce_base_model('lead') }}

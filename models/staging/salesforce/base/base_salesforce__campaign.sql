{{ salesforce_base_model('campaign') }}

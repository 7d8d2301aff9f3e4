{{ salesforce_base_model('currency_type') }}

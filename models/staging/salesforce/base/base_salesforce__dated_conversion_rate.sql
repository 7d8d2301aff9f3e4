{{ salesforce_base_model('dated_conversion_rate') }}

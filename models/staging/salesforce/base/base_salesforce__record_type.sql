{{ salesforce_base_model('record_type') }}

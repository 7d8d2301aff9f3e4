{{ salesforce_base_model('task') }}

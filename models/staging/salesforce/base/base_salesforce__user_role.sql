{{ salesforce_base_model('user_role') }}

{{ salesforce_base_model('opportunity') }}

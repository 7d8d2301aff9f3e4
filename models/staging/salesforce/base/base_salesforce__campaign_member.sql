{{ salesforce_base_model('campaign_member', incremental=true) }}

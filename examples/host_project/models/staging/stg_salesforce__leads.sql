-- The host's own staging of Salesforce leads (another team's), with the package's model name.
select
    'not a lead' as host_note

{#
    One row per raw Salesforce table: how many raw rows arrived and where each
    one went. raw_row_count = staged_row_count + every *_excluded_row_count
    (tested); flagged rows stay in staging and are counted again on the right.
    A table the export does not have is listed with is_raw_table_present =
    false and zero rows, so a missing extract is visible, not silent.
#}
with
{% for table_name, staging_model in salesforce_tables().items() %}
    {{ table_name }}_counts as (

        select
            '{{ table_name }}' as source_table,
            '{{ staging_model }}' as staging_model,
            {{ 'true' if salesforce_table_is_present(table_name) else 'false' }} as is_raw_table_present,
            count(*) as raw_row_count,
            count(case when exclusion_reason is null then 1 end) as staged_row_count,
            count(case when exclusion_reason = 'missing_id' then 1 end) as missing_id_excluded_row_count,
            count(case when exclusion_reason = 'duplicate' then 1 end) as duplicate_excluded_row_count,
            count(case when exclusion_reason = 'merged' then 1 end) as merged_excluded_row_count,
            count(case when exclusion_reason = 'deleted' then 1 end) as deleted_excluded_row_count,
            count(case when exclusion_reason is null and is_deleted_record then 1 end) as deleted_flagged_row_count
        from {{ ref('revenue_funnel', 'base_salesforce__' ~ table_name) }}

    ),
{% endfor %}

test_leads as (

    select
        'lead' as source_table,
        count(case when is_test_lead then 1 end) as test_flagged_row_count
    from {{ ref('revenue_funnel', 'stg_salesforce__leads') }}

),

unioned as (
    {% for table_name in salesforce_tables() %}
        select * from {{ table_name }}_counts
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}

),

final as (

    select
        unioned.source_table,
        unioned.staging_model,
        unioned.is_raw_table_present,
        unioned.raw_row_count,
        unioned.staged_row_count,
        unioned.missing_id_excluded_row_count,
        unioned.duplicate_excluded_row_count,
        unioned.merged_excluded_row_count,
        unioned.deleted_excluded_row_count,
        unioned.deleted_flagged_row_count,
        coalesce(test_leads.test_flagged_row_count, 0) as test_flagged_row_count
    from unioned
    left join test_leads
        on unioned.source_table = test_leads.source_table

)

select * from final

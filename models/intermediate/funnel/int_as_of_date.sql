{#
    The one date every period computation is relative to. The var as_of_date
    (YYYY-MM-DD) pins it, so yesterday's numbers can be rebuilt exactly;
    otherwise it is the last full day before the latest load in the data (a
    load at 02:00 on the 1st holds the data through the 31st), never the clock.
    An export without any load timestamp (Data Loader, a CSV download) is taken
    as complete through the day of its newest record: the day before would
    drop that day's records. Timestamps after var plausible_date_max (a load
    stamped 2099 would add centuries of periods) are ignored here and flagged
    in audit_funnel_exclusions (dated_after_plausible_date).
#}
{%- set date_max_end = plausibility_bounds().date_max_end -%}
{%- set pinned_date = validated_var('as_of_date', type='date') if var('as_of_date', none) else none -%}

with loads as (

    {#- each staging model with its creation timestamp column -#}
    {%- set staging_models = {
        'stg_salesforce__leads': 'created_at',
        'stg_salesforce__opportunities': 'created_at',
        'stg_salesforce__opportunity_history': 'changed_at',
        'stg_salesforce__tasks': 'created_at',
        'stg_salesforce__events': 'created_at',
        'stg_salesforce__campaign_members': 'created_at',
    } %}
    {%- for staging_model, created_column in staging_models.items() %}
        select
            max(case when coalesce(loaded_at, modified_at) < {{ date_max_end }} then coalesce(loaded_at, modified_at) end)
                as latest_load_at,
            max(case when loaded_at < {{ date_max_end }} then loaded_at end) as latest_loader_at,
            max(
                case
                    when coalesce(modified_at, {{ created_column }}) < {{ date_max_end }}
                        then coalesce(modified_at, {{ created_column }})
                end
            ) as latest_record_at
        from {{ ref('revenue_funnel', staging_model) }}
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}

),

latest as (

    select
        max(latest_load_at) as latest_load_at,
        max(latest_loader_at) as latest_loader_at,
        max(latest_record_at) as latest_record_at
    from loads

),

final as (

    select
        {%- if pinned_date %}
        cast('{{ pinned_date }}' as date) as as_of_date,
        {%- else %}
            case
                when latest_loader_at is null then cast(latest_record_at as date)
                else cast({{ dbt.dateadd('day', -1, 'latest_load_at') }} as date)
            end as as_of_date,
        {%- endif %}
        coalesce(latest_load_at, latest_record_at) as latest_load_at,
        {{ 'true' if pinned_date else 'false' }} as is_pinned_by_var
    from latest

)

select
    as_of_date,
    -- exclusive upper bound for timestamps: everything up to the end of the as-of day counts
    cast({{ dbt.dateadd('day', 1, 'as_of_date') }} as {{ dbt.type_timestamp() }}) as as_of_end_at,
    latest_load_at,
    is_pinned_by_var
from final

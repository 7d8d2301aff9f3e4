{#
    The one date every period computation is relative to. The var as_of_date
    (YYYY-MM-DD) pins it, so yesterday's numbers can be rebuilt exactly;
    otherwise it is the last full day before the latest load in the data (a
    load at 02:00 on the 1st holds the data through the 31st), never the clock.
#}
{%- set pinned_date = validated_var('as_of_date', type='date') if var('as_of_date', none) else none -%}

with loads as (

    {%- for staging_model in ['stg_salesforce__leads', 'stg_salesforce__opportunities',
                              'stg_salesforce__opportunity_history', 'stg_salesforce__tasks',
                              'stg_salesforce__events', 'stg_salesforce__campaign_members'] %}
        select max(coalesce(loaded_at, modified_at)) as latest_load_at
        from {{ ref(staging_model) }}
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}

),

latest as (

    select max(latest_load_at) as latest_load_at from loads

),

final as (

    select
        {%- if pinned_date %}
        cast('{{ pinned_date }}' as date) as as_of_date,
        {%- else %}
            cast({{ dbt.dateadd('day', -1, 'latest_load_at') }} as date) as as_of_date,
        {%- endif %}
        latest_load_at,
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

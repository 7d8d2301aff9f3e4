{#
    Records merged away in Salesforce (lead into lead, contact into contact,
    account into account), so that references to a losing id can be resolved
    to the surviving record. Chains (A into B, B into C) are resolved downstream.
#}
{%- set merged_objects = ['lead', 'contact', 'account'] -%}

with
{% for object_name in merged_objects %}
    {{ object_name }}_merges as (

        select
            id as merged_record_id,
            master_record_id,
            '{{ object_name }}' as object_type,
            system_modstamp as merged_at
        from {{ ref('revenue_funnel', 'base_salesforce__' ~ object_name) }}
        where exclusion_reason = 'merged'

    ),
{% endfor %}

unioned as (
    {% for object_name in merged_objects %}
        select * from {{ object_name }}_merges
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}

)

select * from unioned

{#
    The column holds only stage names the configuration defines, read from the
    seeds, so the stage list is written once (seeds/funnel_stages.csv) and a
    stage added there is accepted everywhere without editing a test.

    stage_list:
    - funnel: a stage of funnel_stages (lead, handled, appointment, ...);
    - kpi: a stage, or won_amount - the KPI a department holds or a target is
      set on is a stage count or the won amount;
    - factor_chain: a KPI of the factor chain (funnel_factors.kpi_stage), the
      KPIs the controllability marts decompose;
    - opportunity: a stage an opportunity stage maps to, or one of its two
      outcome states that are not funnel stages: lost, and unmapped (a CRM
      stage opportunity_stage_mapping does not list).
    Returns each value outside the list with its row count.
#}
{% test accepted_stages(model, column_name, stage_list) %}

{%- if stage_list not in ['funnel', 'kpi', 'factor_chain', 'opportunity'] -%}
    {{ exceptions.raise_compiler_error(
        "accepted_stages: stage_list must be funnel, kpi, factor_chain or opportunity, not '"
        ~ stage_list ~ "'"
    ) }}
{%- endif %}

with accepted as (

    {%- if stage_list == 'factor_chain' %}
    select kpi_stage as stage_value from {{ config_table('funnel_factors') }}
    {%- else %}
    select funnel_stage as stage_value from {{ config_table('funnel_stages') }}
    {%- endif %}
    {%- if stage_list == 'kpi' %}
    union all
    select 'won_amount' as stage_value
    {%- elif stage_list == 'opportunity' %}
    union all
    select 'lost' as stage_value
    union all
    select 'unmapped' as stage_value
    {%- endif %}

),

outside as (

    select
        {{ column_name }} as stage_value,
        count(*) as rows_count
    from {{ model }}
    where
        {{ column_name }} is not null
        and {{ column_name }} not in (
            select accepted.stage_value from accepted
            where accepted.stage_value is not null
        )
    group by {{ column_name }}

)

select * from outside

{% endtest %}

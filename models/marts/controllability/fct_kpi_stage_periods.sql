{#
    The company's period counts in long form: one row per period
    (funnel_period_grain, breakdown total) and KPI stage - every stage count of
    fct_funnel_periods and the won amount. The one place that maps a stage to
    its count column. The KPI chain, the department KPIs, gap attribution and
    the reverse funnel take their actuals from here and their chain from the
    seed funnel_factors, so a factor added to the seed (handled, for one)
    needs no change in their SQL.
#}
{%- set stage_columns = [
    ('lead', 'leads_count'),
    ('handled', 'handled_count'),
    ('appointment', 'appointments_count'),
    ('pipeline', 'pipeline_count'),
    ('won', 'won_count'),
    ('won_amount', 'won_amount'),
] -%}

with

periods as (

    select * from {{ ref('revenue_funnel', 'fct_funnel_periods') }}
    where breakdown_dimension = 'total'

),

final as (

    {%- for stage, column in stage_columns %}
        select
            period_start_date,
            period_end_date,
            is_complete_period,
            '{{ stage }}' as kpi_stage,
            cast({{ column }} as {{ type_double() }}) as kpi_value
        from periods
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}

)

select * from final

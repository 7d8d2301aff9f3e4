{#
    The company's stage counts in long form, in both views: one row per
    conversion view, period (funnel_period_grain, breakdown total) and KPI stage.
    - period: the stage counts of fct_funnel_periods, each stage counted in the
      period it was reached (flows: the stages of one period come from
      different leads);
    - cohort: for the leads created in the period, how many reached each stage
      within the cohort window (fct_funnel_cohorts), and the amount they won in
      it; a cohort is complete once it is mature (the whole window has passed).
    effective_count is the count whose inverse is the stage's counting noise:
    the count itself, and for the won amount the effective number of deals,
    (sum a)^2 / sum a^2.
    The one place that maps a stage to its count column. The KPI chain, the
    department KPIs, gap attribution and the reverse funnel take their actuals
    from here and their chain from the seed funnel_factors, so a factor added to
    the seed (handled, for one) needs no change in their SQL.
#}
{%- set period_columns = [
    ('lead', 'leads_count'),
    ('handled', 'handled_count'),
    ('appointment', 'appointments_count'),
    ('pipeline', 'pipeline_count'),
    ('won', 'won_count'),
    ('won_amount', 'won_amount'),
] -%}
{%- set cohort_columns = [
    ('lead', 'leads_count'),
    ('handled', 'reached_handled_within_window_count'),
    ('appointment', 'reached_appointment_within_window_count'),
    ('pipeline', 'reached_pipeline_within_window_count'),
    ('won', 'reached_won_within_window_count'),
    ('won_amount', 'won_amount_within_window'),
] -%}
{#- a count is its own effective count; an amount names the column that holds its -#}
{%- set effective_columns = {
    'won_amount': 'won_deals_effective_count',
    'won_amount_within_window': 'won_amount_within_window_effective_count',
} -%}
{%- set grain = funnel_period_grain() -%}

with

periods as (

    select * from {{ ref('revenue_funnel', 'fct_funnel_periods') }}
    where breakdown_dimension = 'total'

),

cohorts as (

    select * from {{ ref('revenue_funnel', 'fct_funnel_cohorts') }}
    where breakdown_dimension = 'total'

),

final as (

    {%- for stage, column in period_columns %}
        select
            'period' as conversion_view,
            period_start_date,
            period_end_date,
            is_complete_period,
            '{{ stage }}' as kpi_stage,
            cast({{ column }} as {{ type_double() }}) as kpi_value,
            cast({{ effective_columns.get(column, column) }} as {{ type_double() }}) as effective_count
        from periods
        union all
    {%- endfor %}
    {%- for stage, column in cohort_columns %}
        select
            'cohort' as conversion_view,
            cohort_start_date as period_start_date,
            cast({{ dbt.dateadd('day', -1, dbt.dateadd(grain, 1, 'cohort_start_date')) }} as date) as period_end_date,
            is_mature as is_complete_period,
            '{{ stage }}' as kpi_stage,
            cast({{ column }} as {{ type_double() }}) as kpi_value,
            cast({{ effective_columns.get(column, column) }} as {{ type_double() }}) as effective_count
        from cohorts
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}

)

select * from final

-- No rate, share, log or amount in the funnel and controllability marts is
-- infinite or NaN: guarded divisions and logs give null instead.
{%- set checked_models = [
    'fct_funnel_periods', 'fct_funnel_cohorts', 'fct_stage_velocity', 'fct_department_kpis',
    'fct_kpi_controllability', 'fct_kpi_controllability_factors', 'fct_kpi_gap_attribution',
    'fct_conversion_volatility', 'fct_kpi_readiness', 'fct_revenue_plan', 'fct_targeting_alignment',
] %}

with

checks as (

    {%- for model_name in checked_models %}
        {{ non_finite_rows(ref('revenue_funnel', model_name)) }}
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}

)

select *
from checks
where non_finite_row_count > 0

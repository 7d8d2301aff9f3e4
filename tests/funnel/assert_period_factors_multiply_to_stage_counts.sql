-- The telescoping product: N_k = f_0 * f_1 * ... * f_k for every period and
-- breakdown in which no denominator is zero (elsewhere the factor is null).
with

periods as (

    select * from {{ ref('revenue_funnel', 'fct_funnel_periods') }}

),

products as (

    select
        breakdown_dimension,
        breakdown_value,
        period_start_date,
        appointments_count,
        pipeline_count,
        won_count,
        lead_factor * appointment_factor as appointments_product,
        lead_factor * appointment_factor * pipeline_factor as pipeline_product,
        lead_factor * appointment_factor * pipeline_factor * won_factor as won_product
    from periods

)

select *
from products
where
    abs(appointments_product - appointments_count) > 1e-9 * (1 + appointments_count)
    or abs(pipeline_product - pipeline_count) > 1e-9 * (1 + pipeline_count)
    or abs(won_product - won_count) > 1e-9 * (1 + won_count)

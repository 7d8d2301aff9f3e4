{#
    The factors of the KPI chain N_k = f_0 x ... x f_k in order, with the
    department that owns each and its labels, as a public dimension: the
    controllability marts name factors by key, and BI tools label and order
    them from here instead of reading the seed.
#}
with

factors as (

    select * from {{ config_table('funnel_factors') }}

),

final as (

    select
        factor,
        cast(factor_order as {{ dbt.type_int() }}) as factor_order,
        kpi_stage,
        numerator_stage,
        denominator_stage,
        owner_department,
        label_en,
        label_ja
    from factors

)

select * from final

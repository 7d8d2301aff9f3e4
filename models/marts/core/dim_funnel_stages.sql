{#
    The funnel's stages in order with their labels, as a public dimension: BI
    tools sort and label stage columns from it instead of reading the seed,
    which is configuration, not interface.
#}
with

stages as (

    select * from {{ config_table('funnel_stages') }}

),

final as (

    select
        funnel_stage,
        cast(stage_order as {{ dbt.type_int() }}) as stage_order,
        label_en,
        label_ja
    from stages

)

select * from final

{#
    One row per opportunity and stage name it has been in (now or in its
    history), with the funnel stage the seed opportunity_stage_mapping gives
    it. Orgs with several sales processes reuse stage names with different
    meanings, so a seed row may name a record type (its id, developer name or
    label); it wins over the row without one (any record type) for the
    opportunities of that record type. A stage name no row maps is unmapped.
#}
with

opportunities as (

    select * from {{ ref('revenue_funnel', 'stg_salesforce__opportunities') }}

),

history as (

    select * from {{ ref('revenue_funnel', 'stg_salesforce__opportunity_history') }}

),

record_types as (

    select * from {{ ref('revenue_funnel', 'stg_salesforce__record_types') }}

),

stage_mapping as (

    select * from {{ config_table('opportunity_stage_mapping') }}

),

opportunity_stages as (

    select
        opportunity_id,
        stage_name
    from opportunities
    where stage_name is not null

    union

    select
        opportunity_id,
        stage_name
    from history
    where stage_name is not null

),

final as (

    select
        opportunity_stages.opportunity_id,
        opportunity_stages.stage_name,
        opportunities.record_type_id,
        coalesce(typed_mapping.funnel_stage, any_type_mapping.funnel_stage) as funnel_stage,
        coalesce(typed_mapping.stage_order, any_type_mapping.stage_order) as stage_order,
        coalesce(typed_mapping.is_closed, any_type_mapping.is_closed) as is_closed,
        coalesce(typed_mapping.is_won, any_type_mapping.is_won) as is_won,
        coalesce(typed_mapping.stage_name, any_type_mapping.stage_name) is null as is_unmapped,
        typed_mapping.stage_name is not null as is_mapped_by_record_type
    from opportunity_stages
    inner join opportunities
        on opportunity_stages.opportunity_id = opportunities.opportunity_id
    left join record_types
        on opportunities.record_type_id = record_types.record_type_id
    left join stage_mapping as typed_mapping
        on opportunity_stages.stage_name = typed_mapping.stage_name
            and typed_mapping.record_type in (
                opportunities.record_type_id,
                record_types.record_type_developer_name,
                record_types.record_type_name
            )
    left join stage_mapping as any_type_mapping
        on opportunity_stages.stage_name = any_type_mapping.stage_name
            and any_type_mapping.record_type is null

)

select * from final

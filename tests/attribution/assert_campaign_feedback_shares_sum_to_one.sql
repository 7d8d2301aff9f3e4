-- The shares of one campaign, period and feedback type sum to 1, and every
-- sourced lead has exactly one lead-rating count.
with

share_sums as (

    select
        'shares do not sum to 1' as problem,
        campaign_id,
        period_start_date,
        feedback_type,
        sum(feedback_share) as total
    from {{ ref('revenue_funnel', 'fct_campaign_feedback') }}
    group by
        campaign_id,
        period_start_date,
        feedback_type
    having not abs(sum(feedback_share) - 1) <= 1e-9

),

rated as (

    select sum(feedback_count) as rated_leads_count
    from {{ ref('revenue_funnel', 'fct_campaign_feedback') }}
    where feedback_type = 'lead_rating'

),

sourced as (

    select count(*) as leads_count
    from {{ ref('revenue_funnel', 'fct_funnel_leads') }}
    where not is_excluded

),

rating_mismatch as (

    select
        'lead ratings do not cover every lead once' as problem,
        cast(null as {{ dbt.type_string() }}) as campaign_id,
        cast(null as date) as period_start_date,
        'lead_rating' as feedback_type,
        cast(rated.rated_leads_count as {{ type_double() }}) as total
    from rated
    cross join sourced
    where coalesce(rated.rated_leads_count, 0) != sourced.leads_count

)

select * from share_sums
union all
select * from rating_mismatch

{#
    One row per currency and day: units of the currency per one unit of the
    corporate currency, from the dated rate whose range holds the day
    (start inclusive, next start exclusive), else the static rate of
    currency_type. Amounts are converted by an equality join on
    (currency_code, date) instead of a range join each time.
    rate_source says which rate applied: corporate, dated or static_fallback.
#}
with

currency_types as (

    select * from {{ ref('revenue_funnel', 'stg_salesforce__currency_types') }}

),

dated_rates as (

    select * from {{ ref('revenue_funnel', 'stg_salesforce__dated_conversion_rates') }}

),

leads as (

    select * from {{ ref('revenue_funnel', 'stg_salesforce__leads') }}

),

opportunities as (

    select * from {{ ref('revenue_funnel', 'stg_salesforce__opportunities') }}

),

campaigns as (

    select * from {{ ref('revenue_funnel', 'stg_salesforce__campaigns') }}

),

as_of as (

    select * from {{ ref('revenue_funnel', 'int_as_of_date') }}

),

-- every date an amount is converted at: lead and campaign dates, close dates
-- of deals (also future ones of open deals) and the as-of date
dates_needed as (

    select
        cast(min(created_at) as date) as first_date,
        cast(max(created_at) as date) as last_date
    from leads
    union all
    select
        min(close_date) as first_date,
        max(close_date) as last_date
    from opportunities
    union all
    select
        min(start_date) as first_date,
        max(start_date) as last_date
    from campaigns
    union all
    select
        as_of_date as first_date,
        as_of_date as last_date
    from as_of

),

bounds as (

    select
        min(first_date) as first_date,
        max(last_date) as last_date
    from dates_needed

),

days as (

    {{ day_spine('bounds', 'bounds.first_date', 'bounds.last_date') }}

),

currency_days as (

    select
        currency_types.currency_code,
        currency_types.is_corporate,
        currency_types.conversion_rate as static_rate,
        days.date_day
    from currency_types
    cross join days

),

final as (

    select
        currency_days.currency_code,
        currency_days.date_day,
        currency_days.is_corporate,
        case
            when currency_days.is_corporate then 1.0
            else coalesce(dated_rates.conversion_rate, currency_days.static_rate)
        end as conversion_rate,
        case
            when currency_days.is_corporate then 'corporate'
            when dated_rates.conversion_rate is not null then 'dated'
            when currency_days.static_rate is not null then 'static_fallback'
            else 'missing'
        end as rate_source
    from currency_days
    left join dated_rates
        on currency_days.currency_code = dated_rates.currency_code
            and currency_days.date_day >= dated_rates.start_date
            and (dated_rates.next_start_date is null or currency_days.date_day < dated_rates.next_start_date)

)

select * from final

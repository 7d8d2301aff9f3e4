{#
    One row per day from the start of the year of the first lead with a
    plausible creation date (var plausible_date_min) (or of the
    first milestone, if one comes earlier or the org has no leads) to the end
    of the year of the as-of date, with the week, month and quarter each day
    belongs to, so BI tools can join any *_date column and roll it up.
#}
with

leads as (

    select * from {{ ref('revenue_funnel', 'stg_salesforce__leads') }}

),

person_stages as (

    select * from {{ ref('revenue_funnel', 'int_person_stages') }}

),

as_of as (

    select * from {{ ref('revenue_funnel', 'int_as_of_date') }}

),

-- persons who entered as contacts have milestones but no lead
entries as (

    -- leads created before var plausible_date_min are excluded from the funnel: no empty years for them
    select min(created_at) as entered_at from leads
    where created_at >= {{ plausibility_bounds().date_min }}
    union all
    -- the earliest stage any person reached after the lead
    select min(reached_at) as entered_at from person_stages

),

bounds as (

    select
        -- the Monday of the week holding January 1, so week periods are whole
        cast({{ dbt.date_trunc('week', dbt.date_trunc('year', 'min(entries.entered_at)')) }} as date) as first_date,
        cast(
            {{ dbt.dateadd('day', -1, dbt.dateadd('year', 1, dbt.date_trunc('year', 'max(as_of.as_of_date)'))) }}
            as date
        ) as last_date
    from entries
    cross join as_of

),

days as (

    {{ day_spine('bounds', 'bounds.first_date', 'bounds.last_date') }}

),

final as (

    select
        days.date_day,
        cast({{ dbt.date_trunc('week', 'days.date_day') }} as date) as week_start_date,
        cast({{ dbt.date_trunc('month', 'days.date_day') }} as date) as month_start_date,
        cast({{ dbt.date_trunc('quarter', 'days.date_day') }} as date) as quarter_start_date,
        cast({{ dbt.date_trunc('year', 'days.date_day') }} as date) as year_start_date,
        cast({{ dbt.date_trunc(funnel_period_grain(), 'days.date_day') }} as date) as period_start_date,
        days.date_day <= as_of.as_of_date as is_on_or_before_as_of,
        days.date_day = as_of.as_of_date as is_as_of_date
    from days
    cross join as_of

)

select * from final

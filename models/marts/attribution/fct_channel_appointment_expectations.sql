{#
    One row per channel and period (funnel_period_grain) from the first lead
    to the as-of date: the appointment rate expected of the leads a campaign
    of the channel sources in the period. The seed campaign_expectations
    decides it when it lists the channel; otherwise it is the channel's own
    pooled appointment rate over the previous N periods (var
    campaign_expectation_trailing_periods; cohort view: leads created in
    those periods that reached an appointment by the as-of date).
    expectation_source says which applied ('none' without either).
#}
{%- set grain = funnel_period_grain() -%}
{%- set trailing_periods = attribution_settings().trailing_periods -%}

with

leads as (

    select * from {{ ref('revenue_funnel', 'fct_funnel_leads') }}
    where not is_excluded

),

seeded_expectations as (

    select * from {{ config_table('campaign_expectations') }}

),

calendar as (

    select * from {{ ref('revenue_funnel', 'dim_calendar') }}

),

channel_periods as (

    select
        source_channel as channel,
        cast({{ dbt.date_trunc(grain, 'lead_created_at') }} as date) as period_start_date,
        count(*) as leads_count,
        count(case when has_reached_appointment then 1 end) as appointments_count
    from leads
    group by
        source_channel,
        cast({{ dbt.date_trunc(grain, 'lead_created_at') }} as date)

),

channels as (

    select distinct channel from channel_periods

),

-- truncated here rather than read from dim_calendar.period_start_date, so the
-- grain always matches the one the leads are truncated by
periods as (

    select distinct cast({{ dbt.date_trunc(grain, 'calendar.date_day') }} as date) as period_start_date
    from calendar
    where
        calendar.is_on_or_before_as_of
        and calendar.date_day >= (select min(leads.lead_created_date) from leads)

),

-- every channel in every period, zeros included, so "the previous N periods" are N rows
filled as (

    select
        channels.channel,
        periods.period_start_date,
        coalesce(channel_periods.leads_count, 0) as leads_count,
        coalesce(channel_periods.appointments_count, 0) as appointments_count
    from channels
    cross join periods
    left join channel_periods
        on
            channels.channel = channel_periods.channel
            and periods.period_start_date = channel_periods.period_start_date

),

trailing_sums as (

    select
        channel,
        period_start_date,
        leads_count,
        appointments_count,
        cast(coalesce(sum(leads_count) over (
            partition by channel
            order by period_start_date
            rows between {{ trailing_periods }} preceding and 1 preceding
        ), 0) as {{ dbt.type_bigint() }}) as trailing_leads_count,
        cast(coalesce(sum(appointments_count) over (
            partition by channel
            order by period_start_date
            rows between {{ trailing_periods }} preceding and 1 preceding
        ), 0) as {{ dbt.type_bigint() }}) as trailing_appointments_count
    from filled

),

final as (

    select
        trailing_sums.channel,
        trailing_sums.period_start_date,
        trailing_sums.leads_count,
        trailing_sums.appointments_count,
        trailing_sums.trailing_leads_count,
        trailing_sums.trailing_appointments_count,
        seeded_expectations.expected_appointment_rate as seeded_appointment_rate,
        {{ safe_divide('trailing_sums.trailing_appointments_count', 'trailing_sums.trailing_leads_count') }}
            as trailing_appointment_rate,
        coalesce(
            seeded_expectations.expected_appointment_rate,
            {{ safe_divide('trailing_sums.trailing_appointments_count', 'trailing_sums.trailing_leads_count') }}
        ) as expected_appointment_rate,
        case
            when seeded_expectations.expected_appointment_rate is not null then 'seed'
            when trailing_sums.trailing_leads_count > 0 then 'channel_trailing_average'
            else 'none'
        end as expectation_source
    from trailing_sums
    left join seeded_expectations
        on trailing_sums.channel = seeded_expectations.channel

)

select * from final

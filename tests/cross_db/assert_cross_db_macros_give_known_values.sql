-- Every macro of macros/cross_db/ (and dbt.cast / dbt.datediff as this project
-- overrides them, and staging's dispatched readers of export values) on fixed
-- inputs, against values worked out by hand. The test runs in every build, so
-- on DuckDB, Postgres (tests/python/test_postgres.py) and Spark
-- (tests/python/test_spark.py) alike: an engine's dispatched variant that
-- drifts from the others fails here. One row per failing check.
{#- a compact format with a literal letter; Spark's one-letter fields (M, d) cannot split
    adjacent digits, so it is checked on the other engines only -#}
{%- set compact_format_check = 'true' if target.type == 'spark' else
    salesforce_parse_timestamp("'20250403T1405'", '%Y%m%dT%H%M')
    ~ " = cast('2025-04-03 14:05:00' as " ~ dbt.type_timestamp() ~ ")" %}

with numbers as (
    select 1 as x
    union all
    select 2 as x
    union all
    select 3 as x
    union all
    select 4 as x
),

percentiles as (
    select
        {{ percentile('x', 0.5) }} as median_x,
        {{ percentile('x', 0.75) }} as p75_x
    from numbers
),

bounds as (
    select
        cast('2024-02-27' as date) as first_date,
        cast('2024-03-02' as date) as last_date
),

spine as (
    select
        count(*) as day_count,
        min(date_day) as first_day,
        max(date_day) as last_day
    from (
        {{ day_spine('bounds', 'bounds.first_date', 'bounds.last_date') }}
    ) as spine_days
),

instants as (
    select
        cast('2024-01-31 06:00:00' as {{ dbt.type_timestamp() }}) as started_at,
        cast('2024-03-01 18:00:00' as {{ dbt.type_timestamp() }}) as ended_at
),

text_booleans as (
    select 'true' as raw_value
    union all
    select '1' as raw_value
    union all
    select 'FALSE' as raw_value
    union all
    select '0' as raw_value
    union all
    select '' as raw_value
),

checks as (
    -- 2024 is a leap year: 27, 28, 29 February, 1 and 2 March
    select
        'day_spine covers both ends' as check_name,
        spine.day_count = 5
        and spine.first_day = cast('2024-02-27' as date)
        and spine.last_day = cast('2024-03-02' as date) as is_ok
    from spine

    union all

    select
        'percentile interpolates' as check_name,
        percentiles.median_x = 2.5 and percentiles.p75_x = 3.25 as is_ok
    from percentiles

    union all

    select
        'safe_divide' as check_name,
        {{ safe_divide(1, 4) }} = 0.25
        and {{ safe_divide(1, 0) }} is null
        and {{ safe_divide(1, 'null') }} is null as is_ok

    union all

    select
        'safe_ln' as check_name,
        {{ safe_ln(1) }} = 0
        and {{ safe_ln(0) }} is null
        and {{ safe_ln(-1) }} is null as is_ok

    union all

    -- 2^24 + 1 has no 32-bit float: only a 64-bit type keeps it
    select
        'type_double is 64-bit' as check_name,
        cast(16777217 as {{ type_double() }}) - cast(16777216 as {{ type_double() }}) = 1 as is_ok

    union all

    select
        'days_between is fractional' as check_name,
        {{ days_between('instants.started_at', 'instants.ended_at') }} = 30.5 as is_ok
    from instants

    union all

    select
        'datediff counts calendar boundaries' as check_name,
        {{ dbt.datediff('instants.started_at', 'instants.ended_at', 'day') }} = 30
        and {{ dbt.datediff('instants.started_at', 'instants.ended_at', 'month') }} = 2 as is_ok
    from instants

    union all

    -- an instant with an offset, as staging reads one: 06:00 at +09:00 is 21:00 UTC the day before
    select
        'salesforce_instant_to_utc' as check_name,
        {{ salesforce_instant_to_utc("cast('2024-01-31 06:00:00+09:00' as " ~ salesforce_type_timestamptz() ~ ")") }}
        = cast('2024-01-30 21:00:00' as {{ dbt.type_timestamp() }}) as is_ok

    union all

    -- 15-character ids: '00Q00' has an upper-case letter at position 3 (bit 4 -> 'E'),
    -- '00000' none ('A'); 'aBcDe' has B and D (bits 2 + 8 = 10 -> 'K')
    select
        'salesforce_id gives the 18-character form and nulls the empty id' as check_name,
        {{ salesforce_id("'00Q000000000002'") }} = '00Q000000000002EAA'
        and {{ salesforce_id("'aBcDe0000000000'") }} = 'aBcDe0000000000KAA'
        and {{ salesforce_id("'00Q000000000002EAA'") }} = '00Q000000000002EAA'
        and {{ salesforce_id("'000000000000000AAA'") }} is null
        and {{ salesforce_id("'000000000000000'") }} is null
        and {{ salesforce_id("''") }} is null as is_ok

    union all

    -- 1768640400 s = 2026-01-17 09:00:00 UTC, in seconds and in milliseconds
    select
        'salesforce_epoch_to_timestamp reads seconds and milliseconds' as check_name,
        {{ salesforce_epoch_to_timestamp('cast(1768640400 as ' ~ dbt.type_bigint() ~ ')') }}
        = cast('2026-01-17 09:00:00' as {{ dbt.type_timestamp() }})
        and {{ salesforce_epoch_to_timestamp('cast(1768640400000 as ' ~ dbt.type_bigint() ~ ')') }}
        = cast('2026-01-17 09:00:00' as {{ dbt.type_timestamp() }}) as is_ok

    union all

    -- from a column, not literals: Postgres folds a constant cast('' as boolean) in the unused branch
    select
        'salesforce_text_to_boolean' as check_name,
        parsed_booleans.true_count = 2
        and parsed_booleans.false_count = 2
        and parsed_booleans.null_count = 1 as is_ok
    from (
        select
            count(case when {{ salesforce_text_to_boolean('raw_value') }} then 1 end) as true_count,
            count(case when not {{ salesforce_text_to_boolean('raw_value') }} then 1 end) as false_count,
            count(case when {{ salesforce_text_to_boolean('raw_value') }} is null then 1 end) as null_count
        from text_booleans
    ) as parsed_booleans

    union all

    -- a Data Loader style US timestamp: 3 April 2025, 2:05 in the afternoon
    select
        'salesforce_parse_timestamp reads a strftime format' as check_name,
        {{ salesforce_parse_timestamp("'04/03/25 2:05 PM'", '%m/%d/%y %I:%M %p') }}
        = cast('2025-04-03 14:05:00' as {{ dbt.type_timestamp() }}) as is_ok

    union all

    select
        'salesforce_parse_timestamp quotes literal letters' as check_name,
        {{ compact_format_check }} as is_ok

    union all

    -- an empty configured list matches nothing (and is valid SQL on every engine)
    select
        'sql_string_list of an empty list' as check_name,
        coalesce('a' in {{ sql_string_list([]) }}, false) = false
        and 'a' in {{ sql_string_list(['a', "b'c"]) }} as is_ok

    union all

    -- the portable spellings of YAML types (contracts, seeds) work in a cast
    select
        'cast with portable type names' as check_name,
        {{ dbt.cast("'2.5'", 'double precision') }} = 2.5
        and {{ dbt.cast(7, 'varchar') }} = '7'
        and {{ dbt.cast("'7'", 'bigint') }} = 7 as is_ok
)

select *
from checks
where not coalesce(is_ok, false)

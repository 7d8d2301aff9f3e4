-- The host's own calendar: a fiscal calendar with other columns than the package's.
select
    cast('2024-04-01' as date) as fiscal_day,
    2024 as fiscal_year

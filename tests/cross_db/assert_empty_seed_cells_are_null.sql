-- An empty cell of a seed CSV loads as null on every engine, never as a word.
-- (dbt-spark's loader binds it as the string 'None'; macros/cross_db/spark_seeds.sql
-- loads literals instead.) funnel_factors leaves the denominator of f0 empty.
select *
from {{ config_table('funnel_factors') }}
where
    (factor_order = 0 and denominator_stage is not null)
    or denominator_stage in ('None', 'none', 'null', '')

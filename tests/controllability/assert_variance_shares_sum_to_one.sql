-- Var(log N_k) = sum_i Cov(log f_i, log N_k) exactly, so in both conversion views
-- the factor shares of every KPI and window sum to 1; each department's
-- controllable and inherited shares sum to 1 too; the department's share, computed
-- from its own factors' logs, equals the sum of the shares of the factors it owns;
-- and every share is its chance part plus its systematic part.
with

factor_shares as (

    select * from {{ ref('revenue_funnel', 'fct_kpi_controllability_factors') }}

),

departments as (

    select * from {{ ref('revenue_funnel', 'fct_kpi_controllability') }}

),

factor_totals as (

    select
        conversion_view,
        window_end_period_start_date,
        kpi_stage,
        sum(variance_share) as share_total,
        count(variance_share) as shares_count,
        count(*) as factors_count
    from factor_shares
    group by conversion_view, window_end_period_start_date, kpi_stage

),

owned_totals as (

    select
        departments.department,
        departments.conversion_view,
        departments.window_end_period_start_date,
        departments.kpi_stage,
        departments.controllable_share,
        coalesce(sum(case
            when factor_shares.owner_department = departments.department then factor_shares.variance_share
        end), 0) as owned_share_total
    from departments
    inner join factor_shares
        on departments.conversion_view = factor_shares.conversion_view
            and departments.window_end_period_start_date = factor_shares.window_end_period_start_date
            and departments.kpi_stage = factor_shares.kpi_stage
    where departments.controllable_share is not null
    group by
        departments.department,
        departments.conversion_view,
        departments.window_end_period_start_date,
        departments.kpi_stage,
        departments.controllable_share

)

select
    'factor shares' as check_name,
    conversion_view,
    window_end_period_start_date,
    kpi_stage,
    share_total
from factor_totals
where
    shares_count = factors_count
    and abs(share_total - 1) > 1e-9

union all

select
    'controllable + inherited' as check_name,
    conversion_view,
    window_end_period_start_date,
    kpi_stage,
    controllable_share + inherited_share as share_total
from departments
where abs(controllable_share + inherited_share - 1) > 1e-9

union all

select
    'department share = its factors' as check_name,
    conversion_view,
    window_end_period_start_date,
    kpi_stage,
    controllable_share - owned_share_total as share_total
from owned_totals
where abs(controllable_share - owned_share_total) > 1e-9

union all

select
    'chance + systematic' as check_name,
    conversion_view,
    window_end_period_start_date,
    kpi_stage,
    chance_share + systematic_share - variance_share as share_total
from factor_shares
where abs(chance_share + systematic_share - variance_share) > 1e-9

union all

select
    'department chance + systematic' as check_name,
    conversion_view,
    window_end_period_start_date,
    kpi_stage,
    controllable_chance_share + controllable_systematic_share - controllable_share as share_total
from departments
where abs(controllable_chance_share + controllable_systematic_share - controllable_share) > 1e-9

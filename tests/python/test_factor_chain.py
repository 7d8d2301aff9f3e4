"""The KPI chain is configuration: a factor added to the seed funnel_factors needs no SQL change.

A copy of the project whose funnel_factors puts handled into the chain (lead volume x handled
coverage x appointment rate x ...), so Inside Sales owns two factors of appointments, is built
over a copy of the demo warehouse (the seed and everything downstream of it, with their data
tests). The chain's identities must hold with the new link, and every model walking the chain
must carry it: the factor logs, the variance shares, gap attribution, the reverse funnel and the
volatility of each rate.
"""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import duckdb
import pytest
from dbt_runner import PROJECT_DIR, run_dbt

FACTORS_WITH_HANDLED = """\
factor,factor_order,kpi_stage,numerator_stage,denominator_stage,owner_department,label_en,label_ja
lead_volume,0,lead,lead,,Marketing,Lead acquisition,リード集客力
handled_coverage,1,handled,handled,lead,Inside Sales,Lead coverage,IS対応率
appointment_rate,2,appointment,appointment,handled,Inside Sales,Appointment conversion,商談化率
pipeline_rate,3,pipeline,pipeline,appointment,Field Sales,Qualification into pipeline,案件化率
win_rate,4,won,won,pipeline,Field Sales,Selling power,営業力
deal_size,5,won_amount,won_amount,won,Field Sales,Average deal size,平均受注単価
"""


@pytest.fixture(scope="module")
def handled_chain(demo_warehouse: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("handled_chain")
    project = work / "project"
    project.mkdir()
    for name in ("dbt_project.yml", "profiles.yml"):
        shutil.copy(PROJECT_DIR / name, project / name)
    for folder in ("models", "macros", "seeds", "snapshots", "analyses"):
        shutil.copytree(PROJECT_DIR / folder, project / folder)
    shutil.copytree(PROJECT_DIR / "tests", project / "tests", ignore=shutil.ignore_patterns("python"))
    (project / "seeds" / "funnel_factors.csv").write_text(FACTORS_WITH_HANDLED, encoding="utf-8")
    database = work / "handled_chain.duckdb"
    shutil.copyfile(demo_warehouse, database)
    result = run_dbt(
        ["build", "--select", "funnel_factors+", "--exclude-resource-type", "unit_test"],
        database,
        work,
        project_dir=project,
    )
    assert result.returncode == 0, result.output
    return database


def _rows(database: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(database), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_the_factor_logs_add_up_to_the_kpi_with_the_new_link(handled_chain: Path) -> None:
    chains = _rows(
        handled_chain,
        "select conversion_view, string_agg(factor, ',' order by factor_order), sum(log_factor),"
        " max(log_kpi) from fct_kpi_factor_periods"
        " where kpi_stage = 'appointment' and is_usable_period group by conversion_view, period_start_date",
    )
    assert len(chains) >= 12 and {view for view, *_ in chains} == {"cohort", "period"}
    for _, factors, log_sum, log_kpi in chains:
        assert factors == "lead_volume,handled_coverage,appointment_rate"
        assert math.isclose(log_sum, log_kpi, rel_tol=0, abs_tol=1e-9)


def test_inside_sales_owns_two_of_the_three_appointment_factors(handled_chain: Path) -> None:
    rows = _rows(
        handled_chain,
        "select distinct kpi_factors_count, owned_factors_count, structural_controllability"
        " from fct_kpi_controllability where department = 'Inside Sales' and kpi_stage = 'appointment'",
    )
    assert rows == [(3, 2, pytest.approx(2 / 3))]
    shares = _rows(
        handled_chain,
        "select conversion_view || ' ' || window_end_period_start_date, kpi_stage,"
        " sum(variance_share), count(*)"
        " from fct_kpi_controllability_factors where variance_share is not null"
        " group by conversion_view, window_end_period_start_date, kpi_stage",
    )
    assert shares and all(math.isclose(total, 1.0, abs_tol=1e-9) for _, _, total, _ in shares)
    assert {count for _, stage, _, count in shares if stage == "appointment"} == {3}
    assert {window.split()[0] for window, *_ in shares} == {"cohort", "period"}


def test_gap_parts_and_the_reverse_funnel_walk_the_new_link(handled_chain: Path) -> None:
    gaps = _rows(
        handled_chain,
        "select department, period_start_date, count(*), sum(log_gap_part), max(total_log_gap)"
        " from fct_kpi_gap_attribution where is_computable and kpi_stage = 'appointment'"
        " group by department, period_start_date",
    )
    assert gaps
    for _, _, factors, parts, total in gaps:
        assert factors == 3 and math.isclose(parts, total, abs_tol=1e-9)
    plan = _rows(
        handled_chain,
        "select plan_stage, stage_order, required_value from fct_revenue_plan"
        " where required_value is not null and plan_stage in ('appointment', 'handled', 'lead')"
        " and period_start_date = (select max(period_start_date) from fct_revenue_plan"
        " where plan_stage = 'lead' and required_value is not null) order by stage_order",
    )
    assert [(stage, order) for stage, order, _ in plan] == [("lead", 0), ("handled", 1), ("appointment", 2)]
    # more leads than handled leads than appointments are needed
    assert plan[0][2] > plan[1][2] > plan[2][2] > 0


def test_handled_is_a_rate_of_the_chain_not_a_side_rate(handled_chain: Path) -> None:
    rates = _rows(
        handled_chain,
        "select rate_name, into_stage, owner_department, count(*) from fct_conversion_volatility"
        " where into_stage = 'handled' group by all",
    )
    assert [(name, stage, owner) for name, stage, owner, _ in rates] == [
        ("handled_coverage", "handled", "Inside Sales")
    ]

"""The KPI chain is configuration: a factor added to or removed from the seed funnel_factors
needs no SQL change.

The demo's funnel_factors puts handled into the chain (lead volume x IS coverage x appointment
conversion x ...), so Inside Sales owns two factors of appointments. A copy of the project whose
seed takes handled out again (the article's lead volume x appointment rate x ...) is built over a
copy of the demo warehouse (the seed and everything downstream of it, with their data tests).
In both, the chain's identities must hold, and every model walking the chain must carry it: the
factor logs, the variance shares, gap attribution, the reverse funnel and the volatility of each
rate (handled is a side rate only when it is not in the chain).
"""

from __future__ import annotations

import itertools
import math
import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest
from dbt_runner import NO_UNIT_TESTS, PROJECT_DIR, run_dbt

FACTORS_WITHOUT_HANDLED = """\
factor,factor_order,kpi_stage,numerator_stage,denominator_stage,owner_department,label_en,label_ja
lead_volume,0,lead,lead,,Marketing,Lead acquisition,リード集客力
appointment_rate,1,appointment,appointment,lead,Inside Sales,Appointment acquisition,商談獲得力
pipeline_rate,2,pipeline,pipeline,appointment,Field Sales,Qualification into pipeline,案件化率
win_rate,3,won,won,pipeline,Field Sales,Selling power,営業力
deal_size,4,won_amount,won_amount,won,Field Sales,Average deal size,平均受注単価
"""


@dataclass(frozen=True)
class Chain:
    database: Path
    appointment_factors: tuple[str, ...]  # the chain of the appointment KPI, in order
    plan_stages: tuple[str, ...]  # the reverse funnel's stages up to appointment
    handled_rate: tuple[str, str, str]  # the volatility row of the rate into handled


def _without_handled(demo_warehouse: Path, work: Path) -> Path:
    project = work / "project"
    project.mkdir()
    for name in ("dbt_project.yml", "profiles.yml"):
        shutil.copy(PROJECT_DIR / name, project / name)
    for folder in ("models", "macros", "seeds", "snapshots", "analyses"):
        shutil.copytree(PROJECT_DIR / folder, project / folder)
    shutil.copytree(PROJECT_DIR / "tests", project / "tests", ignore=shutil.ignore_patterns("python"))
    (project / "seeds" / "funnel_factors.csv").write_text(FACTORS_WITHOUT_HANDLED, encoding="utf-8")
    database = work / "without_handled.duckdb"
    shutil.copyfile(demo_warehouse, database)
    result = run_dbt(
        ["build", "--select", "funnel_factors+", *NO_UNIT_TESTS],
        database,
        work,
        project_dir=project,
    )
    assert result.returncode == 0, result.output
    return database


@pytest.fixture(scope="module", params=["demo_with_handled", "without_handled"])
def chain(
    request: pytest.FixtureRequest, demo_warehouse: Path, tmp_path_factory: pytest.TempPathFactory
) -> Chain:
    if request.param == "demo_with_handled":
        return Chain(
            demo_warehouse,
            ("lead_volume", "handled_coverage", "appointment_rate"),
            ("lead", "handled", "appointment"),
            ("handled_coverage", "handled", "Inside Sales"),
        )
    return Chain(
        _without_handled(demo_warehouse, tmp_path_factory.mktemp("without_handled")),
        ("lead_volume", "appointment_rate"),
        ("lead", "appointment"),
        # handled is reported beside the chain, owned by the owner of the factor into appointments
        ("handled_rate", "handled", "Inside Sales"),
    )


def _rows(database: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(database), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_the_factor_logs_add_up_to_the_kpi_along_the_configured_chain(chain: Chain) -> None:
    chains = _rows(
        chain.database,
        "select conversion_view, string_agg(factor, ',' order by factor_order), sum(log_factor),"
        " max(log_kpi) from fct_kpi_factor_periods"
        " where kpi_stage = 'appointment' and is_usable_period group by conversion_view, period_start_date",
    )
    assert len(chains) >= 12 and {view for view, *_ in chains} == {"cohort", "period"}
    for _, factors, log_sum, log_kpi in chains:
        assert factors == ",".join(chain.appointment_factors)
        assert math.isclose(log_sum, log_kpi, rel_tol=0, abs_tol=1e-9)


def test_inside_sales_owns_its_factors_of_the_appointment_chain(chain: Chain) -> None:
    factors = len(chain.appointment_factors)
    rows = _rows(
        chain.database,
        "select distinct kpi_factors_count, owned_factors_count, structural_controllability"
        " from fct_kpi_controllability where department = 'Inside Sales' and kpi_stage = 'appointment'",
    )
    # every factor but the lead volume (Marketing's) belongs to Inside Sales
    assert rows == [(factors, factors - 1, pytest.approx((factors - 1) / factors))]
    shares = _rows(
        chain.database,
        "select conversion_view || ' ' || window_end_period_start_date, kpi_stage,"
        " sum(variance_share), count(*)"
        " from fct_kpi_controllability_factors where variance_share is not null"
        " group by conversion_view, window_end_period_start_date, kpi_stage",
    )
    assert shares and all(math.isclose(total, 1.0, abs_tol=1e-9) for _, _, total, _ in shares)
    assert {count for _, stage, _, count in shares if stage == "appointment"} == {factors}
    assert {window.split()[0] for window, *_ in shares} == {"cohort", "period"}


def test_gap_parts_and_the_reverse_funnel_walk_the_configured_chain(chain: Chain) -> None:
    gaps = _rows(
        chain.database,
        "select conversion_view, department, period_start_date, count(*), sum(log_gap_part),"
        " max(total_log_gap)"
        " from fct_kpi_gap_attribution where is_computable and kpi_stage = 'appointment'"
        " group by conversion_view, department, period_start_date",
    )
    assert {view for view, *_ in gaps} == {"cohort", "period"}
    for _, _, _, factors, parts, total in gaps:
        assert factors == len(chain.appointment_factors) and math.isclose(parts, total, abs_tol=1e-9)
    plan = _rows(
        chain.database,
        "select plan_stage, stage_order, required_value from fct_revenue_plan"
        " where required_value is not null and plan_stage in ('appointment', 'handled', 'lead')"
        " and period_start_date = (select max(period_start_date) from fct_revenue_plan"
        " where plan_stage = 'lead' and required_value is not null) order by stage_order",
    )
    assert tuple(stage for stage, _, _ in plan) == chain.plan_stages
    # more leads than handled leads than appointments are needed
    needed = [value for _, _, value in plan]
    assert all(upper > lower > 0 for upper, lower in itertools.pairwise(needed))


def test_handled_is_a_chain_rate_or_a_side_rate_never_both(chain: Chain) -> None:
    rates = _rows(
        chain.database,
        "select rate_name, into_stage, owner_department, count(*) from fct_conversion_volatility"
        " where into_stage = 'handled' group by all",
    )
    assert [(name, stage, owner) for name, stage, owner, _ in rates] == [chain.handled_rate]

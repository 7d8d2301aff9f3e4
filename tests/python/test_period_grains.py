"""The funnel's period grain is configuration (var funnel_period_grain): a weekly build passes
its data tests, keeps the monthly KPI mart of the monthly build, and counts each department's
KPI per week from the stage events and the monthly targets spread by day, as checked here
from the raw marts and seeds, not from the model's own SQL."""

import calendar
import csv
import datetime as dt
import shutil
from collections import defaultdict
from pathlib import Path

import pytest
from dbt_runner import NO_UNIT_TESTS, PROJECT_DIR, query, run_dbt, values_match


@pytest.fixture(scope="module")
def weekly_warehouse(demo_warehouse: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("weekly")
    database = work / "weekly.duckdb"
    shutil.copy(demo_warehouse, database)
    build = run_dbt(
        ["build", "--full-refresh", *NO_UNIT_TESTS],
        database,
        work,
        {"funnel_period_grain": "week"},
    )
    assert build.returncode == 0, build.output[-6000:]
    return database


def test_the_monthly_kpi_mart_does_not_depend_on_the_funnel_grain(
    demo_warehouse: Path, weekly_warehouse: Path
) -> None:
    sql = "select * from main.fct_department_kpis order by department, month_start_date"
    monthly = query(demo_warehouse, sql)
    assert monthly, "the monthly build has no department KPI rows"
    weekly = query(weekly_warehouse, sql)
    assert len(weekly) == len(monthly)
    # equal, up to the order in which a sum adds its terms
    for weekly_row, monthly_row in zip(weekly, monthly, strict=True):
        assert all(map(values_match, weekly_row, monthly_row)), (weekly_row, monthly_row)


def _monthly_targets() -> dict[tuple[str, str, dt.date], float]:
    with (PROJECT_DIR / "seeds" / "department_targets.csv").open() as handle:
        return {
            (row["department"], row["kpi_stage"], dt.date.fromisoformat(row["target_month"])): float(
                row["target_value"]
            )
            for row in csv.DictReader(handle)
        }


def test_weekly_kpis_count_the_week_and_spread_the_month_targets_by_day(weekly_warehouse: Path) -> None:
    rows = query(
        weekly_warehouse,
        """
        select department, kpi_stage, period_start_date, actual_value, target_value, days_in_period
        from main.fct_department_kpi_periods
        where period_grain = 'week'
        """,
    )
    assert len(rows) > 100
    # the week's actual, recounted from the stage events: rows of the stage reached that week
    events = defaultdict(float)
    for stage, reached, amount in query(
        weekly_warehouse, "select funnel_stage, reached_date, won_amount from main.fct_funnel_stage_events"
    ):
        week = reached - dt.timedelta(days=reached.weekday())
        events[(stage, week)] += 1
        if stage == "won":
            events[("won_amount", week)] += amount or 0.0
    targets = _monthly_targets()
    first_day = query(weekly_warehouse, "select min(date_day) from main.dim_calendar")[0][0]
    straddling = 0
    for department, stage, week, actual, target, days in rows:
        assert week.weekday() == 0 and days == 7
        assert actual == pytest.approx(events.get((stage, week), 0.0), rel=1e-9), (department, stage, week)
        # each day of the week carries 1/days-in-month of its month's target
        days_of_week = [week + dt.timedelta(days=i) for i in range(7)]
        shares = [
            targets[(department, stage, day.replace(day=1))] / calendar.monthrange(day.year, day.month)[1]
            for day in days_of_week
            if (department, stage, day.replace(day=1)) in targets
        ]
        if week < first_day or not shares:
            # a week the calendar only partly covers has no target, nor has a week without one
            assert target is None, (department, stage, week)
            continue
        straddling += days_of_week[0].month != days_of_week[-1].month
        assert target == pytest.approx(sum(shares), rel=1e-9), (department, stage, week)
    assert straddling > 0, "no week across two months was checked"

"""The semantic layer (models/marts/semantic, MetricFlow) against the marts it is built on.

A small warehouse is built from scratch, `mf validate-configs` must pass, and the numbers of
`mf query` must equal the marts queried directly with DuckDB: counts exactly, rates and amounts
to 1e-9. Expected values are computed here from the marts' own columns (fct_funnel_periods,
fct_channel_performance, fct_department_kpis, fct_attribution_credits...), never from a previous
run of MetricFlow.

How `mf` finds the project: dbt-metricflow 0.15 reads `dbt_project.yml` from the current
directory (or DBT_PROJECT_DIR) and the semantic manifest from `<that directory>/target/
semantic_manifest.json`, whatever --target-path or DBT_TARGET_PATH say. To stay away from the
shared `target/`, dbt writes its artifacts into `<tmp>/mf_project/target` and `mf` runs in
`<tmp>/mf_project`, which holds a copy of dbt_project.yml and nothing else. `mf` connects through
the read-only output `duckdb_readonly` of profiles.yml: the test keeps its own read-only DuckDB
connection open the whole time, as a BI tool would, and every `mf` call must still succeed.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import math
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest
from dbt_runner import PROJECT_DIR, run_dbt

MF = str(Path(sys.executable).with_name("mf"))
GENERATOR = PROJECT_DIR / "scripts" / "generate_demo_data.py"
LEADS = 3000
READ_ONLY_TARGET = "duckdb_readonly"
TOLERANCE = 1e-9

Key = tuple
Row = dict[str, object]


@dataclass
class SemanticLayer:
    database: Path
    mf_project: Path
    connection: duckdb.DuckDBPyConnection
    queries: int = 0

    def sql(self, statement: str) -> list[tuple]:
        return self.connection.execute(statement).fetchall()


def run_mf(args: list[str], layer: SemanticLayer) -> subprocess.CompletedProcess[str]:
    """Run `mf` in the isolated project directory, on the read-only target."""
    env = {
        **os.environ,
        "DBT_PROFILES_DIR": str(PROJECT_DIR),
        "DBT_DUCKDB_PATH": str(layer.database),
        "DBT_TARGET": READ_ONLY_TARGET,
        "DBT_LOG_PATH": str(layer.mf_project / "logs"),
        "DO_NOT_TRACK": "1",
    }
    # mf takes the project (and target/semantic_manifest.json) from DBT_PROJECT_DIR, else the cwd.
    env.pop("DBT_PROJECT_DIR", None)
    return subprocess.run(
        [MF, *args], cwd=layer.mf_project, env=env, capture_output=True, text=True, check=False, timeout=900
    )


def mf_query(layer: SemanticLayer, *args: str) -> list[dict[str, str]]:
    """Rows of one `mf query` (its --csv output), as strings."""
    layer.queries += 1
    csv_path = layer.mf_project / f"query_{layer.queries}.csv"
    result = run_mf(["query", *args, "--csv", str(csv_path), "--quiet"], layer)
    assert result.returncode == 0 and csv_path.exists(), (
        f"mf query {' '.join(args)}:\n{result.stdout}{result.stderr}"
    )
    with csv_path.open(newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def layer(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SemanticLayer]:
    assert Path(MF).exists(), f"{MF} not found: install requirements.txt (dbt-metricflow, metricflow)"
    work = tmp_path_factory.mktemp("semantic_layer")
    database = work / "warehouse.duckdb"
    subprocess.run(
        [sys.executable, str(GENERATOR), "--quiet", "--leads", str(LEADS), "--duckdb", str(database)],
        check=True,
        capture_output=True,
        text=True,
    )
    mf_project = work / "mf_project"
    mf_project.mkdir()
    shutil.copy(PROJECT_DIR / "dbt_project.yml", mf_project / "dbt_project.yml")
    # Models and seeds only: the data tests run in `make dbt-test`. Artifacts go to mf_project/target.
    build = run_dbt(["build", "--exclude-resource-type", "test", "unit_test"], database, mf_project)
    assert build.returncode == 0, build.output
    assert (mf_project / "target" / "semantic_manifest.json").exists()
    with duckdb.connect(str(database), read_only=True) as connection:
        yield SemanticLayer(database, mf_project, connection)


# ---------- comparison helpers


def _number(text: str) -> float | None:
    return None if text == "" else float(text)


def _day(value: object) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def mf_rows(
    rows: list[dict[str, str]], key: Callable[[dict[str, str]], Key], columns: list[str]
) -> dict[Key, Row]:
    keyed: dict[Key, Row] = {}
    for row in rows:
        assert key(row) not in keyed, f"mf returned {key(row)} twice"
        keyed[key(row)] = {column: _number(row[column]) for column in columns}
    return keyed


def assert_same(
    actual: dict[Key, Row], expected: dict[Key, Row], counts: list[str], reals: list[str], empty: Row
) -> None:
    """Counts equal exactly, reals within 1e-9 (absolute, or relative for large amounts), None
    (empty in mf's CSV) only where None is expected. A key missing on one side is compared with
    the `empty` row (no events: counts 0, cost 0, ratios null): MetricFlow leaves such rows out."""
    errors = []
    for key in sorted(set(actual) | set(expected), key=str):
        got, want = actual.get(key, empty), expected.get(key, empty)
        for column in counts:
            a, b = got[column], want[column]
            if (a is None) != (b is None) or (a is not None and (a != int(a) or int(a) != int(b))):
                errors.append(f"{key} {column}: mf {a} != mart {b}")
        for column in reals:
            a, b = got[column], want[column]
            if (a is None) != (b is None) or (
                a is not None and not math.isclose(a, b, rel_tol=TOLERANCE, abs_tol=TOLERANCE)
            ):
                errors.append(f"{key} {column}: mf {a} != mart {b}")
    assert not errors, f"{len(errors)} differences, first ones:\n" + "\n".join(errors[:25])


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    return None if not denominator or numerator is None else numerator / denominator


# ---------- the tests


def test_validate_configs(layer: SemanticLayer) -> None:
    result = run_mf(["validate-configs"], layer)
    output = (result.stdout + result.stderr).replace("\r", "\n")
    assert result.returncode == 0, output
    summaries = [line for line in output.splitlines() if "ERRORS:" in line]
    # parsing, semantics, and the warehouse checks of semantic models, dimensions, entities,
    # measures and metrics
    assert len(summaries) >= 6, output
    assert all("(ERRORS: 0," in line for line in summaries), output


def test_funnel_counts_and_factors_by_month_equal_fct_funnel_periods(layer: SemanticLayer) -> None:
    # saved query funnel_monthly: leads ... won_amount, handled_rate, the factors, deal size by month
    rows = mf_query(layer, "--saved-query", "funnel_monthly")
    # the saved query orders its months (order_by), as a BI tool reading it expects
    months = [row["metric_time__month"] for row in rows]
    assert len(months) > 1 and months == sorted(months)
    counts = ["leads", "handled", "appointments", "pipeline", "won"]
    reals = [
        "won_amount",
        "handled_rate",
        "appointment_factor",
        "pipeline_factor",
        "won_factor",
        "average_won_amount",
    ]
    actual = mf_rows(rows, lambda row: (_day(row["metric_time__month"]),), counts + reals)
    marts = layer.sql(
        """
        select period_start_date, leads_count, handled_count, appointments_count, pipeline_count,
               won_count, won_amount, handled_rate, appointment_factor, pipeline_factor, won_factor,
               average_won_amount
        from fct_funnel_periods
        where breakdown_dimension = 'total' and period_grain = 'month'
        """
    )
    expected = {(_day(row[0]),): dict(zip(counts + reals, row[1:], strict=True)) for row in marts}
    empty: Row = {**dict.fromkeys(counts, 0), **dict.fromkeys(reals, None), "won_amount": 0.0}
    assert_same(actual, expected, counts, reals, empty)
    funnel_leads = layer.sql("select count(*) from fct_funnel_leads where not is_excluded")[0][0]
    assert sum(row["leads"] for row in actual.values()) == funnel_leads > LEADS / 2
    assert len(actual) >= 20


def test_appointments_and_cost_by_channel_equal_the_marts(layer: SemanticLayer) -> None:
    rows = mf_query(
        layer,
        "--metrics",
        "leads,appointments,appointment_factor,campaign_cost,cost_per_appointment",
        "--group-by",
        "metric_time__month,channel",
    )
    counts = ["leads", "appointments"]
    reals = ["appointment_factor", "campaign_cost", "cost_per_appointment"]
    actual = mf_rows(rows, lambda row: (_day(row["metric_time__month"]), row["channel"]), counts + reals)

    funnel = layer.sql(
        """
        select period_start_date, breakdown_value, leads_count, appointments_count, appointment_factor
        from fct_funnel_periods
        where breakdown_dimension = 'channel' and period_grain = 'month'
        """
    )
    # the channel's cost is the same on the six attribution-model rows of fct_channel_performance
    costs = layer.sql(
        """
        select period_start_date, channel, max(cost_amount), min(cost_amount), count(cost_amount)
        from fct_channel_performance
        group by period_start_date, channel
        """
    )
    assert all(row[2] == row[3] and row[4] in (0, 6) for row in costs), "cost differs between models"
    cost_by_key = {(_day(row[0]), row[1]): row[2] for row in costs}
    funnel_by_key = {(_day(row[0]), row[1]): row[2:] for row in funnel}
    expected: dict[Key, Row] = {}
    for key in set(cost_by_key) | set(funnel_by_key):
        leads, appointments, factor = funnel_by_key.get(key, (0, 0, None))
        cost = cost_by_key.get(key) or 0.0
        expected[key] = {
            "leads": leads,
            "appointments": appointments,
            "appointment_factor": factor,
            "campaign_cost": cost,
            "cost_per_appointment": ratio(cost, appointments),
        }
    empty: Row = {
        "leads": 0,
        "appointments": 0,
        "appointment_factor": None,
        "campaign_cost": 0.0,
        "cost_per_appointment": None,
    }
    assert_same(actual, expected, counts, reals, empty)
    assert len({key[1] for key in actual}) >= 5
    assert sum(row["campaign_cost"] or 0 for row in actual.values()) > 0


def test_conversions_within_a_window_and_cost_per_stage_by_month(layer: SemanticLayer) -> None:
    rows = mf_query(
        layer,
        "--metrics",
        "leads,lead_to_handled_7d_conversions,lead_to_handled_7d_conversion_rate,"
        "lead_to_appointment_30d_conversions,lead_to_appointment_30d_conversion_rate,"
        "lead_to_pipeline_90d_conversion_rate,campaign_cost,cost_per_lead,return_on_spend,"
        "attributed_appointments",
        "--group-by",
        "metric_time__month",
    )
    counts = ["leads", "lead_to_handled_7d_conversions", "lead_to_appointment_30d_conversions"]
    reals = [
        "lead_to_handled_7d_conversion_rate",
        "lead_to_appointment_30d_conversion_rate",
        "lead_to_pipeline_90d_conversion_rate",
        "campaign_cost",
        "cost_per_lead",
        "return_on_spend",
        "attributed_appointments",
    ]
    actual = mf_rows(rows, lambda row: (_day(row["metric_time__month"]),), counts + reals)

    # Cohort view in UTC days: the stage is reached on the lead's day or within the next N - 1 days
    # (a first touch logged before the lead was created does not count). The 7-day window cuts
    # through the demo's handling delays, so it checks the boundary; few appointments take 30 days.
    cohorts = layer.sql(
        """
        with stages as (
            select
                person_id,
                max(case when funnel_stage = 'lead' then reached_date end) as lead_date,
                max(case when funnel_stage = 'handled' then reached_date end) as handled_date,
                max(case when funnel_stage = 'appointment' then reached_date end) as appointment_date,
                max(case when funnel_stage = 'pipeline' then reached_date end) as pipeline_date
            from fct_funnel_stage_events
            group by person_id
        )
        select
            date_trunc('month', lead_date) as lead_month,
            count(*) as leads,
            count(case when date_diff('day', lead_date, handled_date) between 0 and 6 then 1 end),
            count(case when date_diff('day', lead_date, appointment_date) between 0 and 29 then 1 end),
            count(case when date_diff('day', lead_date, pipeline_date) between 0 and 89 then 1 end)
        from stages
        group by 1
        """
    )
    costs = dict(
        layer.sql(
            """
            select period_start_date, sum(cost_amount)
            from (
                select campaign_id, period_start_date, max(cost_amount) as cost_amount
                from fct_campaign_performance
                group by campaign_id, period_start_date
            ) as campaign_periods
            group by period_start_date
            """
        )
    )
    funnel = {
        row[0]: row[1:]
        for row in layer.sql(
            "select period_start_date, won_amount, appointments_count from fct_funnel_periods "
            "where breakdown_dimension = 'total' and period_grain = 'month'"
        )
    }
    credits = "select distinct date_trunc('month', conversion_date) from fct_attribution_credits"
    credited_months = {_day(row[0]) for row in layer.sql(credits)}
    leads_by_month = {_day(row[0]): row for row in cohorts}
    expected: dict[Key, Row] = {}
    for month in {_day(day) for day in costs} | set(leads_by_month):
        _, leads, handled_7d, appointments_30d, pipeline_90d = leads_by_month.get(month, (month, 0, 0, 0, 0))
        cost = costs.get(month) or 0.0
        won_amount, appointments = funnel.get(month, (0.0, 0))
        expected[(month,)] = {
            "leads": leads,
            # a conversion metric has no value for a month without leads (no cohort)
            "lead_to_handled_7d_conversions": handled_7d if leads else None,
            "lead_to_handled_7d_conversion_rate": ratio(handled_7d, leads),
            "lead_to_appointment_30d_conversions": appointments_30d if leads else None,
            "lead_to_appointment_30d_conversion_rate": ratio(appointments_30d, leads),
            "lead_to_pipeline_90d_conversion_rate": ratio(pipeline_90d, leads),
            "campaign_cost": cost,
            "cost_per_lead": ratio(cost, leads),
            "return_on_spend": ratio(won_amount, cost),
            # not grouped by model: the mean over the six models, each of which credits every
            # appointment exactly once - so the month's appointments
            "attributed_appointments": float(appointments) if month in credited_months else None,
        }
    empty: Row = {**dict.fromkeys(counts + reals, None), "leads": 0, "campaign_cost": 0.0}
    assert_same(actual, expected, counts, reals, empty)
    # not vacuous: the window keeps some handled leads and leaves others out
    handled_7d = sum(row["lead_to_handled_7d_conversions"] or 0 for row in actual.values())
    handled = "select count(*) from fct_funnel_leads where has_reached_handled and not is_excluded"
    [(handled_ever,)] = layer.sql(handled)
    assert 0 < handled_7d < handled_ever


def by_month_and(
    layer: SemanticLayer, query: list[str], dimensions: list[str], columns: list[str], mart_sql: str
) -> tuple[dict[Key, Row], dict[Key, Row]]:
    """The rows of `mf query <query>` and of the marts' `mart_sql`, both keyed by (month,
    *dimensions): mf's group-by columns metric_time__month and `dimensions`, the mart's first
    columns in that order. The values are `columns`, in the mart's remaining columns in order."""
    actual = mf_rows(
        mf_query(layer, *query),
        lambda row: (_day(row["metric_time__month"]), *(row[dimension] for dimension in dimensions)),
        columns,
    )
    keys = 1 + len(dimensions)
    expected = {
        (_day(row[0]), *row[1:keys]): dict(zip(columns, row[keys:], strict=True))
        for row in layer.sql(mart_sql)
    }
    return actual, expected


def test_department_kpis_equal_fct_department_kpis(layer: SemanticLayer) -> None:
    reals = [
        "department_kpi_actual",
        "department_kpi_target",
        "department_kpi_attainment_rate",
        "department_kpi_pacing_rate",
    ]
    actual, expected = by_month_and(
        layer,
        ["--saved-query", "department_kpi_attainment_monthly"],
        ["department_kpi__department", "department_kpi__kpi_stage"],
        reals,
        "select month_start_date, department, kpi_stage, actual_value, target_value, attainment_rate, "
        "pacing_rate from fct_department_kpis",
    )
    assert set(actual) == set(expected)
    assert_same(actual, expected, [], reals, dict.fromkeys(reals))


def test_attributed_metrics_by_model_and_channel_equal_fct_attribution_credits(layer: SemanticLayer) -> None:
    reals = ["attributed_appointments", "attributed_won_amount"]
    actual, expected = by_month_and(
        layer,
        [
            "--metrics",
            "attributed_appointments,attributed_won_amount",
            "--group-by",
            "metric_time__month,attribution_credit__attribution_model,channel",
        ],
        ["attribution_credit__attribution_model", "channel"],
        reals,
        """
        select
            date_trunc('month', conversion_date),
            attribution_model,
            channel,
            sum(case when funnel_stage = 'appointment' then credit else 0 end),
            coalesce(sum(credited_amount), 0)
        from fct_attribution_credits
        group by 1, 2, 3
        """,
    )
    assert_same(actual, expected, [], reals, dict.fromkeys(reals, 0.0))
    assert len({key[1] for key in actual}) == 6


def test_every_semantic_element_is_described(layer: SemanticLayer) -> None:
    manifest = json.loads((layer.mf_project / "target" / "semantic_manifest.json").read_text())
    undescribed = []
    for model in manifest["semantic_models"]:
        for kind in ("entities", "dimensions", "measures"):
            undescribed += [
                f"{model['name']}.{kind}.{element['name']}"
                for element in model[kind]
                if not (element.get("description") or "").strip()
            ]
    for kind in ("semantic_models", "metrics", "saved_queries"):
        undescribed += [
            f"{kind}.{item['name']}" for item in manifest[kind] if not (item.get("description") or "").strip()
        ]
    assert not undescribed, f"undescribed: {undescribed}"
    assert all(metric.get("label") for metric in manifest["metrics"])
    spines = manifest["project_configuration"]["time_spines"]
    assert [
        (s["node_relation"]["alias"], s["primary_column"]["name"], s["primary_column"]["time_granularity"])
        for s in spines
    ] == [("metricflow_time_spine", "date_day", "day")]

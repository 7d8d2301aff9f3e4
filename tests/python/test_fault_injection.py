"""Fault injection (issue 6): one fault at a time, and the exact outcome of each.

Starting from generated raw data (1,500 demo leads, no dirt) built once per target, every
case copies the baseline, injects ONE fault into the raw tables and rebuilds the part of the
DAG it reaches (tests included, unit tests excluded). The assertions name the exit code,
which dbt tests warn or fail, the counts in audit_salesforce_row_counts and
audit_funnel_exclusions, and which models must come out identical to the baseline.
The scheduled job (scripts/run_job.py) is exercised on DuckDB files: stale feed, locks,
concurrent runs and two writers on one publication, a killed or signalled build, out of memory,
a failing build, the publication gates, a full disk, a corrupt or missing build file, permissions.

Each case is documented in docs/fault_injection.md (section "The cases", same names as the tests,
test_<case> for each case of a test parametrized with for_each_case; tests/python/test_docs_complete.py
checks both lists match).

Targets: the SQL-level cases are parametrized by `target`: DuckDB and Postgres (on the server
of scripts/start_postgres.sh) by default; REVENUE_FUNNEL_FAULT_TARGETS=duckdb narrows them, and
REVENUE_FUNNEL_SKIP_POSTGRES=1 drops Postgres as it does for test_postgres.py. The job cases need
DuckDB files and run on DuckDB only.
"""

from __future__ import annotations

import datetime as dt
import grp
import hashlib
import json
import math
import os
import re
import shutil
import signal
import stat
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest
import yaml
from faults import (
    DATABASE_NAME,
    PROJECT_DIR,
    RUN_JOB,
    Case,
    CasePool,
    CaseResult,
    DuckdbTarget,
    Holder,
    Inject,
    JobPaths,
    PostgresTarget,
    Step,
    Target,
    Warehouse,
    build_step,
    connect,
    created_models,
    funnel_selection,
    generate_raw,
    inject_into,
    job_env,
    kill,
    processes_with,
    raw_tables,
    run_dbt,
    run_job,
    staging_selection,
    start_job,
    table_differences,
    wait_for,
)

SKIPPED_TARGETS = {"postgres"} if os.environ.get("REVENUE_FUNNEL_SKIP_POSTGRES") == "1" else set()
TARGETS = [
    name.strip()
    for name in os.environ.get("REVENUE_FUNNEL_FAULT_TARGETS", "duckdb,postgres").split(",")
    if name.strip() and name.strip() not in SKIPPED_TARGETS
]
LOOKBACK_DAYS = yaml.safe_load((PROJECT_DIR / "dbt_project.yml").read_text())["vars"][
    "incremental_lookback_days"
]
ZERO_MONTH = "2025-09-01"
FX_MONTH = "2025-01-01"
HOSTILE_SCHEMA = 'salesforce"."lead"); drop table salesforce.task; --'


# --- injections (DuckDB SQL on the raw schema of a copy) ---------------------------------------


def first_ids(con: duckdb.DuckDBPyConnection, table: str, count: int, where: str = "true") -> list[str]:
    return [
        row[0]
        for row in con.execute(
            f"select id from salesforce.{table} where {where} order by id limit {count}"
        ).fetchall()
    ]


def in_list(ids: list[str]) -> str:
    return "(" + ", ".join(f"'{value}'" for value in ids) + ")"


def unconverted_leads(con: duckdb.DuckDBPyConnection, count: int) -> list[str]:
    return first_ids(con, "lead", count, "not is_converted")


def inject_duplicates(con: duckdb.DuckDBPyConnection) -> None:
    # a loader re-sync: 20 exact copies, and 10 older versions of existing leads
    con.execute("insert into salesforce.lead select * from salesforce.lead order by id limit 20")
    con.execute(
        "insert into salesforce.lead select * replace ("
        "'Stale' as status, system_modstamp - interval 1 day as system_modstamp, "
        "_fivetran_synced - interval 1 day as _fivetran_synced) "
        "from salesforce.lead order by id desc limit 10"
    )


def inject_null_ids(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        "insert into salesforce.lead select * replace (null as id) from salesforce.lead order by id limit 7"
    )


def inject_soft_deletes(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        f"update salesforce.lead set is_deleted = true where id in {in_list(unconverted_leads(con, 5))}"
    )


def inject_fivetran_deletes(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        "update salesforce.lead set _fivetran_deleted = true "
        f"where id in {in_list(unconverted_leads(con, 3))}"
    )


def inject_vanished_rows(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(f"delete from salesforce.lead where id in {in_list(unconverted_leads(con, 2))}")


def inject_merge(con: duckdb.DuckDBPyConnection) -> None:
    survivor, merged = unconverted_leads(con, 2)
    con.execute(
        f"update salesforce.lead set is_deleted = true, master_record_id = '{survivor}' where id = '{merged}'"
    )


def inject_empty_events(con: duckdb.DuckDBPyConnection) -> None:
    # kept aside (outside the raw schema) for the refill
    con.execute("create schema if not exists faults")
    con.execute("create table faults.event as select * from salesforce.event")
    con.execute("delete from salesforce.event")


def inject_refilled_events(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("insert into salesforce.event select * from faults.event")


def inject_timestamptz_columns(con: duckdb.DuckDBPyConnection) -> None:
    # the same instants, landed as TIMESTAMP WITH TIME ZONE
    for table, column in [("event", "start_date_time"), ("event", "created_date"), ("lead", "created_date")]:
        con.execute(
            f"alter table salesforce.{table} alter {column} type timestamptz "
            f"using {column} at time zone 'UTC'"
        )


def inject_offset_strings(con: duckdb.DuckDBPyConnection) -> None:
    # the same instants, landed as text in Tokyo local time with an explicit +09:00 offset
    for table, column in [("event", "start_date_time"), ("event", "end_date_time"), ("lead", "created_date")]:
        con.execute(
            f"alter table salesforce.{table} alter {column} type varchar using "
            f"strftime({column} + interval 9 hour, '%Y-%m-%dT%H:%M:%S') || '+09:00'"
        )


def inject_string_amounts(con: duckdb.DuckDBPyConnection) -> None:
    for table in ("opportunity", "opportunity_history"):
        con.execute(f"alter table salesforce.{table} alter amount type varchar using cast(amount as varchar)")


def inject_bad_amount(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("alter table salesforce.opportunity alter amount type varchar using cast(amount as varchar)")
    won = first_ids(con, "opportunity", 1, "stage_name = 'Closed Won'")
    con.execute(f"update salesforce.opportunity set amount = 'n/a' where id = '{won[0]}'")


def inject_unmapped_stage(con: duckdb.DuckDBPyConnection) -> None:
    # a new picklist value, one minute after an opportunity's first recorded stage
    con.execute(
        """
        insert into salesforce.opportunity_history
        select * replace (
            'faultOH0000000001' as id, 'Discovery' as stage_name,
            created_date + interval 1 minute as created_date,
            system_modstamp + interval 1 minute as system_modstamp)
        from salesforce.opportunity_history
        where opportunity_id = (
            select opportunity_id from salesforce.opportunity_history
            where stage_name = 'Appointment' order by opportunity_id limit 1)
        order by created_date
        limit 1
        """
    )


def inject_won_flag_contradiction(con: duckdb.DuckDBPyConnection) -> None:
    won = first_ids(con, "opportunity", 1, "stage_name = 'Closed Won'")
    con.execute(f"update salesforce.opportunity set is_won = false where id = '{won[0]}'")


def inject_dated_rate_hole(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        f"delete from salesforce.dated_conversion_rate where iso_code = 'EUR' and start_date = '{FX_MONTH}'"
    )


def inject_missing_rate(con: duckdb.DuckDBPyConnection) -> None:
    inject_dated_rate_hole(con)
    con.execute("update salesforce.currency_type set conversion_rate = null where iso_code = 'EUR'")


def inject_drop_optional_column(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("alter table salesforce.lead drop column rating")


def inject_drop_id_column(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("alter table salesforce.task drop column id")


def inject_custom_column(con: duckdb.DuckDBPyConnection) -> None:
    con.execute('alter table salesforce.lead add column "Secret_Score__c" double')
    con.execute('update salesforce.lead set "Secret_Score__c" = length(id) * 1.5')


def inject_late_tasks(con: duckdb.DuckDBPyConnection) -> None:
    # two old tasks from a loader that keeps no load timestamp (as the API-spelling loaders):
    # only system_modstamp tells when they changed: one day within var incremental_lookback_days
    # before the watermark of stg_salesforce__tasks (the newest load staged), one a week beyond it
    (watermark,) = con.execute(
        "select max(coalesce(_fivetran_synced, system_modstamp)) from salesforce.task"
    ).fetchone()
    for suffix, days in (("within", LOOKBACK_DAYS - 1), ("beyond", LOOKBACK_DAYS + 7)):
        con.execute(
            f"""
            insert into salesforce.task
            select * replace (
                'late_{suffix}' as id,
                timestamp '{watermark}' - interval {days} day as created_date,
                timestamp '{watermark}' - interval {days} day as system_modstamp,
                null as _fivetran_synced)
            from salesforce.task where type = 'Call' order by id limit 1
            """
        )


INJECTED_TOUCH = "injected_touch"


def inject_new_touch(con: duckdb.DuckDBPyConnection) -> None:
    # today's load brings a campaign response of an existing lead, two days before the lead was
    # created: a new touch of that person's lead conversion (and of any later one)
    con.execute(
        f"""
        insert into salesforce.campaign_member (
            id, campaign_id, lead_id, contact_id, status, has_responded, first_responded_date,
            is_deleted, created_date, system_modstamp, _fivetran_synced, _fivetran_deleted
        )
        select
            '{INJECTED_TOUCH}', member.campaign_id, lead.id, null, 'Responded', true,
            cast(lead.created_date - interval 2 day as date), false, lead.created_date - interval 2 day,
            loads.modstamp, loads.synced, false
        from
            (select campaign_id from salesforce.campaign_member where has_responded order by id limit 1)
                as member,
            (select id, created_date from salesforce.lead
             where not coalesce(is_deleted, false) and master_record_id is null order by id limit 1) as lead,
            (select max(system_modstamp) as modstamp, max(_fivetran_synced) as synced
             from salesforce.campaign_member) as loads
        """
    )


def inject_zero_lead_month(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        f"delete from salesforce.lead where created_date >= date '{ZERO_MONTH}' "
        f"and created_date < date '{ZERO_MONTH}' + interval 1 month"
    )


NEGATIVE_WON_AMOUNT = -5_000_000
IMPLAUSIBLE_LEAD = "fault_lead_in_1900"  # not 15 characters: kept as is, no id suffix
VARIANT_TITLE = "Variant Title"
# the first won deal in the corporate currency (USD): its won amount is its raw amount
FIRST_USD_WON = "stage_name = 'Closed Won' and currency_iso_code = 'USD'"


def inject_negative_won_amount(con: duckdb.DuckDBPyConnection) -> None:
    won = first_ids(con, "opportunity", 1, FIRST_USD_WON)
    con.execute(f"update salesforce.opportunity set amount = {NEGATIVE_WON_AMOUNT} where id = '{won[0]}'")


def inject_close_before_created(con: duckdb.DuckDBPyConnection) -> None:
    won = first_ids(con, "opportunity", 1, FIRST_USD_WON)
    con.execute(
        "update salesforce.opportunity set close_date = cast(created_date as date) - interval 1 day "
        f"where id = '{won[0]}'"
    )


def inject_lead_created_1900(con: duckdb.DuckDBPyConnection) -> None:
    # a new lead (own id and email, so its own person) keyed in with the year 1900
    con.execute(
        f"""
        insert into salesforce.lead
        select * replace (
            '{IMPLAUSIBLE_LEAD}' as id, 'lead.1900@fault-injection.invalid' as email,
            timestamp '1900-01-01 09:00:00' as created_date)
        from salesforce.lead where not is_converted order by id limit 1
        """
    )


def inject_task_loaded_in_2099(con: duckdb.DuckDBPyConnection) -> None:
    # a loader that stamped one row with a far-future load time
    con.execute(
        "update salesforce.task set _fivetran_synced = timestamp '2099-06-01 00:00:00' "
        "where id = (select min(id) from salesforce.task)"
    )


def inject_tied_duplicate_variant_last(con: duckdb.DuckDBPyConnection) -> None:
    # a second copy of a lead with the same modstamp and load time but another title, stored after it
    con.execute(
        f"insert into salesforce.lead select * replace ('{VARIANT_TITLE}' as title) "
        f"from salesforce.lead where id = '{unconverted_leads(con, 1)[0]}'"
    )


def inject_tied_duplicate_variant_first(con: duckdb.DuckDBPyConnection) -> None:
    # the same two rows, stored in the opposite physical order
    lead = unconverted_leads(con, 1)[0]
    con.execute(f"create temp table original_lead as select * from salesforce.lead where id = '{lead}'")
    con.execute(f"delete from salesforce.lead where id = '{lead}'")
    con.execute(
        f"insert into salesforce.lead select * replace ('{VARIANT_TITLE}' as title) from original_lead"
    )
    con.execute("insert into salesforce.lead select * from original_lead")


def inject_null_role_developer_names(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("update salesforce.user_role set developer_name = null")


# --- the cases -----------------------------------------------------------------------------------

# the leads unconverted_leads() picks, read from a built warehouse
FIRST_UNCONVERTED = (
    "select lead_id from stg_salesforce__leads where not is_converted order by lead_id limit {count}"
)


def funnel_case(
    name: str,
    inject: Inject,
    *tables: str,
    marts: tuple[str, ...] = ("fct_funnel_periods",),
    variables: dict | None = None,
) -> Case:
    """A fault in `tables`, then a build of everything from them to `marts` (funnel_selection)."""
    return Case(name, tables, inject, (build_step(funnel_selection(*tables, marts=marts), variables),))


def staging_case(name: str, inject: Inject, table: str, *also: str) -> Case:
    """A fault in `table`, then a build of its staging (staging_selection) and the nodes `also`."""
    return Case(name, (table,), inject, (build_step(" ".join([staging_selection(table), *also])),))


def var_case(name: str, select: str, variables: dict) -> Case:
    """No fault in the data: a `dbt run` of `select` given the vars `variables`."""
    return Case(name, (), None, (Step(("run", "--select", select), variables),))


PERIODS_AND_CALENDAR = ("fct_funnel_periods", "dim_calendar")
LEAD_STAGING = "base_salesforce__lead stg_salesforce__leads"
HOSTILE_DOMAIN = "example.com'); drop table salesforce.lead; --"
CASES: dict[str, Case] = {
    case.name: case
    for case in [
        funnel_case("duplicate_resynced_rows", inject_duplicates, "lead"),
        funnel_case("null_ids", inject_null_ids, "lead"),
        funnel_case("soft_deleted_exclude", inject_soft_deletes, "lead"),
        funnel_case(
            "soft_deleted_flag", inject_soft_deletes, "lead", variables={"salesforce_deleted_records": "flag"}
        ),
        staging_case("fivetran_deleted_rows", inject_fivetran_deletes, "lead", "snap_salesforce__leads"),
        staging_case(
            "vanished_rows_recorded_by_snapshot", inject_vanished_rows, "lead", "snap_salesforce__leads"
        ),
        funnel_case("merged_records", inject_merge, "lead"),
        funnel_case("empty_source_table", inject_empty_events, "event"),
        Case(
            "empty_source_table_refilled",
            ("event",),
            inject_empty_events,
            (
                build_step("base_salesforce__event stg_salesforce__events"),
                Step(
                    build_step("base_salesforce__event stg_salesforce__events").args,
                    inject=inject_refilled_events,
                ),
            ),
        ),
        Case(
            "timestamptz_columns",
            ("event", "lead"),
            inject_timestamptz_columns,
            # Postgres: a session in Tokyo time must not shift the instants
            (Step(build_step(funnel_selection("event", "lead")).args, env=(("PGTZ", "Asia/Tokyo"),)),),
        ),
        funnel_case("offset_timestamp_strings", inject_offset_strings, "event", "lead"),
        funnel_case("castable_string_amounts", inject_string_amounts, "opportunity", "opportunity_history"),
        funnel_case("non_castable_amount", inject_bad_amount, "opportunity"),
        funnel_case("unmapped_stage_name", inject_unmapped_stage, "opportunity_history"),
        funnel_case("won_stage_with_is_won_false", inject_won_flag_contradiction, "opportunity"),
        funnel_case("exchange_rate_static_fallback", inject_dated_rate_hole, "dated_conversion_rate"),
        funnel_case("exchange_rate_missing", inject_missing_rate, "dated_conversion_rate", "currency_type"),
        funnel_case("removed_optional_column", inject_drop_optional_column, "lead"),
        staging_case("removed_id_column", inject_drop_id_column, "task"),
        funnel_case("new_custom_column", inject_custom_column, "lead"),
        Case(
            "late_activity_incremental_run",
            ("task",),
            inject_late_tasks,
            (build_step("base_salesforce__task stg_salesforce__tasks"),),
        ),
        Case(
            "late_activity_full_refresh",
            ("task",),
            inject_late_tasks,
            (build_step("base_salesforce__task stg_salesforce__tasks", None, "--full-refresh"),),
        ),
        Case(
            "new_touch_incremental_attribution",
            ("campaign_member",),
            inject_new_touch,
            (build_step("base_salesforce__campaign_member+"),),
        ),
        funnel_case(
            "zero_count_period",
            inject_zero_lead_month,
            "lead",
            marts=("fct_funnel_periods", "fct_kpi_controllability_factors"),
        ),
        funnel_case("negative_won_amount", inject_negative_won_amount, "opportunity"),
        funnel_case("close_date_before_created_date", inject_close_before_created, "opportunity"),
        funnel_case("lead_created_in_1900", inject_lead_created_1900, "lead", marts=PERIODS_AND_CALENDAR),
        funnel_case("task_loaded_in_2099", inject_task_loaded_in_2099, "task", marts=PERIODS_AND_CALENDAR),
        staging_case("tied_duplicate_variant_last", inject_tied_duplicate_variant_last, "lead"),
        staging_case("tied_duplicate_variant_first", inject_tied_duplicate_variant_first, "lead"),
        funnel_case("null_role_developer_names", inject_null_role_developer_names, "user_role"),
        var_case(
            "hostile_string_var",
            "base_salesforce__lead",
            {"salesforce_deleted_records": "exclude'; drop table salesforce.lead; --"},
        ),
        var_case("hostile_schema_var", "base_salesforce__lead", {"salesforce_schema": HOSTILE_SCHEMA}),
        var_case("hostile_list_var_as_string", LEAD_STAGING, {"test_lead_email_domains": HOSTILE_DOMAIN}),
        var_case("hostile_list_var_item", LEAD_STAGING, {"test_lead_email_domains": [HOSTILE_DOMAIN]}),
    ]
}


def uses(*names: str) -> Callable:
    """Declares the cases a test reads, so only the selected tests' cases are built."""
    assert all(name in CASES for name in names), names

    def mark(function: Callable) -> Callable:
        function.fault_cases = names
        return function

    return mark


def for_each_case(expected: dict[str, object]) -> Callable:
    """Parametrizes a test by case: one test per case (id: the case name) given `fault`, the case's
    name, and `expected`, its value here. docs/fault_injection.md documents each as test_<case>;
    a selected test builds only its own case."""
    assert all(name in CASES for name in expected), list(expected)

    def mark(function: Callable) -> Callable:
        function.documented_as = tuple(f"test_{name}" for name in expected)
        params = [pytest.param(name, value, id=name) for name, value in expected.items()]
        return pytest.mark.parametrize(("fault", "expected"), params)(function)

    return mark


# --- fixtures ------------------------------------------------------------------------------------


def selected_cases(request: pytest.FixtureRequest, target: str) -> list[Case]:
    names: list[str] = []
    for item in request.session.items:
        if item.module is not request.module:
            continue
        params = getattr(item, "callspec", None)
        if params is not None and params.params.get("pool", target) != target:
            continue
        fault = params.params.get("fault") if params is not None else None
        declared = getattr(getattr(item, "function", None), "fault_cases", ())
        for name in (fault,) if fault is not None else declared:
            if name not in names and target in CASES[name].targets:
                names.append(name)
    return [CASES[name] for name in names]


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("faults")


@pytest.fixture(scope="module")
def raw_database(work: Path) -> Path:
    database = work / "raw.duckdb"
    generate_raw(database)
    return database


@pytest.fixture(scope="module")
def duckdb_pool(request: pytest.FixtureRequest, work: Path, raw_database: Path) -> Iterator[CasePool]:
    target = DuckdbTarget(work / "duckdb")
    target.build_baseline(raw_database)
    pool = CasePool(target, selected_cases(request, "duckdb"))
    yield pool
    pool.close()


@pytest.fixture(scope="module", params=TARGETS)
def pool(request: pytest.FixtureRequest, work: Path, raw_database: Path) -> Iterator[CasePool]:
    if request.param == "duckdb":
        yield request.getfixturevalue("duckdb_pool")
        return
    assert request.param == "postgres", request.param
    try:
        target: Target = PostgresTarget(work / "postgres")
    except subprocess.CalledProcessError as error:
        pytest.fail(f"scripts/start_postgres.sh could not start Postgres:\n{error.stderr}")
    try:
        target.build_baseline(raw_database)
        postgres_pool = CasePool(target, selected_cases(request, "postgres"))
        try:
            yield postgres_pool
        finally:
            postgres_pool.close()
    finally:
        target.close()


def result(pool: CasePool, name: str) -> CaseResult:
    return pool.result(name)


def baseline(pool: CasePool) -> Warehouse:
    assert pool.target.baseline is not None
    return pool.target.baseline


def audit_row(warehouse: Warehouse, table: str) -> dict[str, int]:
    columns = [
        "raw_row_count",
        "staged_row_count",
        "missing_id_excluded_row_count",
        "duplicate_excluded_row_count",
        "merged_excluded_row_count",
        "deleted_excluded_row_count",
        "deleted_flagged_row_count",
    ]
    rows = warehouse.query(
        f"select {', '.join(columns)} from audit_salesforce_row_counts where source_table = '{table}'"
    )
    assert len(rows) == 1, rows
    return dict(zip(columns, rows[0], strict=True))


def audit_delta(case: Warehouse, base: Warehouse, table: str) -> dict[str, int]:
    """Audit counts of the case minus the baseline's, leaving out the unchanged ones."""
    after, before = audit_row(case, table), audit_row(base, table)
    return {key: after[key] - before[key] for key in after if after[key] != before[key]}


def exclusions(warehouse: Warehouse) -> dict[tuple[str, str], int]:
    rows = warehouse.query("select checked_object, check_name, row_count from audit_funnel_exclusions")
    return {(obj, check): count for obj, check, count in rows}


def exclusion_delta(case: Warehouse, base: Warehouse) -> dict[tuple[str, str], int]:
    after, before = exclusions(case), exclusions(base)
    assert after.keys() == before.keys()
    return {key: after[key] - before[key] for key in after if after[key] != before[key]}


def assert_same(case: Warehouse, base: Warehouse, *tables: str) -> None:
    for table in tables:
        assert table_differences(case, base, table) == [], f"{table} differs from the baseline"


def assert_clean(run_result: CaseResult) -> None:
    """The build passed and no test warned or failed."""
    run = run_result.run
    assert run.returncode == 0, run.output[-4000:]
    assert run.problems == set(), run.problems


def assert_passed(run_result: CaseResult, warnings: set[str] | None = None) -> None:
    """The build passed and no node failed or errored; exactly `warnings` warned, unless None."""
    run = run_result.run
    assert run.returncode == 0, run.output[-4000:]
    if warnings is not None:
        assert run.with_status("warn") == warnings
    assert run.with_status("fail", "error") == set()


# --- the scheduled job (DuckDB files) ------------------------------------------------------------
# First in the file: these run in the foreground while the pool builds the SQL-level cases.


def file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def publication_state(paths: JobPaths) -> tuple[str, ...] | None:
    """Everything a reader can see: the version pointer, the DuckDB file, published.json, Parquet."""
    if not paths.published.exists():
        return None
    parquet = sorted(paths.publish_dir.glob("parquet/*.parquet"))
    return (
        os.readlink(paths.publish_dir / "current"),
        file_digest(paths.published),
        (paths.publish_dir / "published.json").read_text(),
        *(f"{path.name} {file_digest(path)}" for path in parquet),
    )


def leftovers(paths: JobPaths) -> list[Path]:
    """Partial output a failed or killed run must not leave behind."""
    return [*paths.publish_dir.glob("versions/*.incoming"), *paths.publish_dir.glob("*.wal")]


def published_tables(paths: JobPaths) -> dict[str, set[str]]:
    with connect(paths.published, read_only=True) as con:
        rows = con.execute("select schema_name, table_name from duckdb_tables()").fetchall()
    tables: dict[str, set[str]] = {}
    for schema, table in rows:
        tables.setdefault(schema, set()).add(table)
    return tables


def public_models(run_dir: Path) -> set[str]:
    manifest = json.loads((run_dir / "target" / "manifest.json").read_text())
    return {
        node["name"]
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node.get("access") == "public"
    }


# Tables a user or an attacker left in the build file's main schema: neither is a mart.
STOLEN_FILE = "stolen.csv"
STRAY_MART = "fct_funnel_weekly_old"


def hostile_table_name(work: Path) -> str:
    return f"fct_x\" ) to '{work / STOLEN_FILE}' (format csv); --"


def set_loaded_at(database: Path, loaded_at: dt.datetime, tables: list[str] | None = None) -> None:
    def inject(con: duckdb.DuckDBPyConnection) -> None:
        for table in tables or raw_tables(con):
            con.execute(f'update salesforce."{table}" set _fivetran_synced = ?', [loaded_at])

    inject_into(database, inject)


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def clone_job(source: JobPaths, root: Path) -> JobPaths:
    shutil.copytree(source.root, root, symlinks=True)  # the publication is symlinks into versions/
    return JobPaths(root)


def delete_leads(database: Path, count: int) -> None:
    inject_into(
        database,
        lambda con: con.execute(
            f"delete from salesforce.lead where id in {in_list(unconverted_leads(con, count))}"
        ),
    )


@pytest.fixture(scope="module")
def published_job(duckdb_pool: CasePool, work: Path) -> JobPaths:
    """A job folder after one successful scheduled run on fresh data (loaded an hour ago)."""
    paths = JobPaths(work / "job_published")
    paths.build_database.parent.mkdir(parents=True)
    shutil.copyfile(Path(baseline(duckdb_pool).env["DBT_DUCKDB_PATH"]), paths.build_database)
    set_loaded_at(paths.build_database, utc_now() - dt.timedelta(hours=1))
    hostile = hostile_table_name(work).replace('"', '""')
    inject_into(
        paths.build_database,
        lambda con: [
            con.execute(f'create table main."{name}" as select * from salesforce.lead limit 5')
            for name in (STRAY_MART, hostile)
        ],
    )
    completed = run_job(paths)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    (paths.root / "first_run.out").write_text(completed.stdout)
    return paths


def test_job_publishes_owner_only_files(published_job: JobPaths) -> None:
    assert published_job.published.exists()
    created = [
        published_job.publish_dir,
        *published_job.publish_dir.rglob("*"),
        *published_job.runs_dir.rglob("*"),
    ]
    assert len(created) > 10
    too_open = [
        f"{path} {stat.filemode(path.stat().st_mode)}" for path in created if path.stat().st_mode & 0o077
    ]
    assert too_open == []
    assert stat.S_IMODE(published_job.published.stat().st_mode) == 0o400  # read-only for its owner too
    assert stat.S_IMODE(published_job.build_database.stat().st_mode) == 0o600  # raw PII


def test_job_publishes_exactly_the_public_marts(published_job: JobPaths, work: Path) -> None:
    run_dir = published_job.run_dirs()[-1]
    marts = public_models(run_dir)
    assert {"fct_funnel_periods", "fct_kpi_controllability", "dim_calendar"} <= marts
    assert not [name for name in marts if name.split("_")[0] in {"base", "stg", "int", "snap", "audit"}]
    # only the marts, in one schema: no raw salesforce schema, no staging, no stray tables
    assert published_tables(published_job) == {"main": marts}
    parquet = {path.stem for path in published_job.publish_dir.glob("parquet/*.parquet")}
    assert parquet == marts
    assert not (work / STOLEN_FILE).exists()  # the hostile table name never reached SQL
    published = json.loads((published_job.publish_dir / "published.json").read_text())
    with connect(published_job.published, read_only=True) as con:
        rows = {name: con.execute(f"select count(*) from {name}").fetchone()[0] for name in marts}
    assert {mart["name"]: mart["rows"] for mart in published["marts"]} == rows
    assert min(rows.values()) > 0
    current = os.readlink(published_job.publish_dir / "current")
    assert published["run"] == run_dir.name == Path(current).name
    assert published["headline"]["leads_count"] > 0 and len(published["headline"]["periods"]) == 3
    # progress and warnings reach the console and job.json
    summary = json.loads((run_dir / "job.json").read_text())
    assert summary["warning_count"] == len(summary["warnings"])
    console = (published_job.root / "first_run.out").read_text()
    assert re.search(r"dbt build: (\d+)/\1 nodes done", console)
    assert f"{summary['warning_count']} dbt warnings" in console or summary["warning_count"] == 0


def test_job_stale_feed_exits_10(published_job: JobPaths, work: Path) -> None:
    paths = clone_job(published_job, work / "job_stale")
    before = publication_state(paths)
    set_loaded_at(paths.build_database, utc_now() - dt.timedelta(days=10), ["task"])
    completed = run_job(paths)
    assert completed.returncode == 10, completed.stderr
    stale = "source.revenue_funnel.revenue_funnel_salesforce.task (error)"
    assert f"stale sources, nothing built: {stale}" in completed.stderr
    run_dir = paths.run_dirs()[-1]
    assert "dbt build" not in (run_dir / "job.log").read_text()
    assert json.loads((run_dir / "job.json").read_text())["exit_code"] == 10
    assert publication_state(paths) == before


def test_job_reader_on_build_file_exits_40(published_job: JobPaths, work: Path) -> None:
    paths = clone_job(published_job, work / "job_locked")
    before = publication_state(paths)
    reader = Holder.open(paths.build_database)
    try:
        completed = run_job(paths, "--lock-retries", "2", "--lock-backoff-seconds", "0.5")
    finally:
        reader.close()
    assert completed.returncode == 40, completed.stdout + completed.stderr
    assert "stayed locked by another process after 2 retries" in completed.stderr
    log = (paths.run_dirs()[-1] / "job.log").read_text()
    assert "retry 1 in" in log and "retry 2 in" in log and "retry 3 in" not in log
    assert "Conflicting lock is held" in log
    assert publication_state(paths) == before


def test_job_concurrent_run_refused_75(published_job: JobPaths, work: Path) -> None:
    paths = clone_job(published_job, work / "job_concurrent")
    runs_before = len(paths.run_dirs())
    first = start_job(paths, "--skip-freshness")
    try:
        wait_for(lambda: len(paths.run_dirs()) == runs_before + 1, 60, "the first run to start")
        second = run_job(paths, "--skip-freshness", timeout=120)
        assert second.returncode == 75, second.stdout + second.stderr
        assert "another run of the job is in progress" in second.stderr
        assert len(paths.run_dirs()) == runs_before + 1
        assert first.poll() is None
    finally:
        kill(first)
    run_dir = paths.run_dirs()[-1]
    wait_for(lambda: not processes_with(str(run_dir)), 30, "the killed run's dbt to exit")


@dataclass
class KilledThenRerun:
    """A job SIGKILLed mid-build, then rerun while a BI reader holds the published file."""

    paths: JobPaths
    before: tuple[str, str] | None
    killed_run: Path
    killed_while_running: bool
    orphans_gone: bool
    build_finished_after_kill: bool
    after_kill: tuple[str, str] | None
    rerun: subprocess.CompletedProcess
    published_count: int
    reader_count_after_rerun: int
    new_reader_count: int


@pytest.fixture(scope="module")
def killed_then_rerun(published_job: JobPaths, work: Path) -> KilledThenRerun:
    paths = clone_job(published_job, work / "job_killed")
    before = publication_state(paths)
    count_sql = "select count(*) from fct_funnel_leads"
    with connect(paths.published, read_only=True) as con:
        published_count = con.execute(count_sql).fetchone()[0]
    delete_leads(paths.build_database, 10)
    runs_before = len(paths.run_dirs())
    job = start_job(paths)
    try:
        wait_for(lambda: len(paths.run_dirs()) == runs_before + 1, 120, "the run to start")
        killed_run = paths.run_dirs()[-1]
        wait_for(lambda: created_models(killed_run) >= 10, 300, "the build to create 10 models")
        killed_while_running = job.poll() is None
    finally:
        kill(job)  # SIGKILL to the job's pid only, as a scheduler's timeout would
    try:
        wait_for(lambda: not processes_with(str(killed_run)), 30, "the killed job's dbt to exit")
        orphans_gone = True
    except AssertionError:
        orphans_gone = False
    # an orphaned dbt would carry on to the end of the build and say so in its log
    build_finished_after_kill = "Command `dbt build`" in (killed_run / "dbt.log").read_text(errors="replace")
    after_kill = publication_state(paths)
    reader = Holder.open(paths.published)
    # a BI session that opened the publication read-write and crashed leaves a WAL beside it
    (paths.publish_dir / "revenue_funnel.duckdb.wal").write_bytes(b"not for the next version")
    try:
        rerun = run_job(paths)
        reader_count = int(reader.scalar(count_sql))
    finally:
        reader.close()
    probe = (
        f"import duckdb; con = duckdb.connect({str(paths.published)!r}, read_only=True); "
        f"print(con.execute({count_sql!r}).fetchone()[0])"
    )
    new_count = int(
        subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    )
    return KilledThenRerun(
        paths,
        before,
        killed_run,
        killed_while_running,
        orphans_gone,
        build_finished_after_kill,
        after_kill,
        rerun,
        published_count,
        reader_count,
        new_count,
    )


def test_job_killed_mid_build_then_rerun(killed_then_rerun: KilledThenRerun) -> None:
    scenario = killed_then_rerun
    assert scenario.killed_while_running
    # dbt died with the job: no orphan carries on writing the build file (and holding its lock)
    assert scenario.orphans_gone, processes_with(str(scenario.killed_run))
    assert not scenario.build_finished_after_kill
    assert scenario.after_kill == scenario.before
    assert leftovers(scenario.paths) == []  # nor the stale WAL a crashed BI session left
    assert not (scenario.killed_run / "job.json").exists()
    # the rerun succeeds and publishes the new data
    assert scenario.rerun.returncode == 0, scenario.rerun.stdout + scenario.rerun.stderr
    published = json.loads((scenario.paths.publish_dir / "published.json").read_text())
    assert published["run"] == scenario.paths.run_dirs()[-1].name != scenario.killed_run.name
    assert scenario.new_reader_count == scenario.published_count - 10


def test_job_rerun_reuses_the_parse_cache(killed_then_rerun: KilledThenRerun) -> None:
    # the killed run parsed the project before it died; the rerun starts from that parse
    rerun_dir = killed_then_rerun.paths.run_dirs()[-1]
    assert (killed_then_rerun.killed_run / "target" / "partial_parse.msgpack").exists()
    dbt_log = (rerun_dir / "dbt.log").read_text(errors="replace")
    assert "Partial parsing enabled" in dbt_log
    assert "saved manifest not found" not in dbt_log


def test_job_reader_on_published_file_does_not_block(killed_then_rerun: KilledThenRerun) -> None:
    scenario = killed_then_rerun
    assert scenario.rerun.returncode == 0, scenario.rerun.stdout + scenario.rerun.stderr
    assert "locked" not in scenario.rerun.stdout + scenario.rerun.stderr
    # the reader keeps reading its (old) copy; a new reader gets the new one
    assert scenario.reader_count_after_rerun == scenario.published_count
    assert scenario.new_reader_count == scenario.published_count - 10


def descendants(manifest: dict, unique_id: str) -> set[str]:
    """Every node downstream of `unique_id` in a manifest's child map."""
    found: set[str] = set()
    pending = [unique_id]
    while pending:
        for child in manifest["child_map"].get(pending.pop(), []):
            if child not in found:
                found.add(child)
                pending.append(child)
    return found


def test_job_failed_test_exits_20(published_job: JobPaths, work: Path) -> None:
    """A data test that fails (not a model that cannot be built) stops the publication too."""
    paths = clone_job(published_job, work / "job_failed_test")
    before = publication_state(paths)
    inject_into(paths.build_database, inject_null_role_developer_names)
    completed = run_job(paths)
    assert completed.returncode == 20, completed.stdout + completed.stderr
    assert "dbt build failed, publication unchanged: " in completed.stderr
    assert re.search(r"test\.revenue_funnel\.assert_user_roles_map_to_departments \(fail\)", completed.stderr)
    assert publication_state(paths) == before


def test_job_failed_build_exits_20(published_job: JobPaths, work: Path) -> None:
    paths = clone_job(published_job, work / "job_failed_build")
    before = publication_state(paths)
    inject_into(
        paths.build_database,
        lambda con: con.execute(
            "update salesforce.lead set created_date = null where id = (select min(id) from salesforce.lead)"
        ),
    )
    completed = run_job(paths)
    assert completed.returncode == 20, completed.stdout + completed.stderr
    leads = "model.revenue_funnel.stg_salesforce__leads"
    assert f"dbt build failed, publication unchanged: {leads} (error)" in completed.stderr
    # the database refused the null while building the model (its contract's not_null constraint)
    run_dir = paths.run_dirs()[-1]
    dbt_log = (run_dir / "dbt.log").read_text(errors="replace")
    refused = re.search(r"NOT NULL constraint failed: stg_salesforce__leads\w*\.created_at", dbt_log)
    assert refused, dbt_log[-3000:]
    # nothing downstream of it was built or tested
    manifest = json.loads((run_dir / "target" / "manifest.json").read_text())
    results = json.loads((run_dir / "target" / "run_results.json").read_text())["results"]
    statuses = {result["unique_id"]: result["status"] for result in results}
    downstream = descendants(manifest, leads) & set(statuses)
    assert "model.revenue_funnel.fct_funnel_leads" in downstream and len(downstream) > 50
    assert {statuses[node] for node in downstream} == {"skipped"}
    assert publication_state(paths) == before


def test_job_out_of_memory_exits_30(work: Path) -> None:
    paths = JobPaths(work / "job_oom")
    paths.build_database.parent.mkdir(parents=True)
    generate_raw(paths.build_database, leads=20000)
    completed = run_job(paths, "--skip-freshness", env=job_env(DBT_DUCKDB_MEMORY_LIMIT="20MB"))
    assert completed.returncode == 30, completed.stdout + completed.stderr
    assert "DuckDB ran out of memory at memory_limit=20MB: raise DBT_DUCKDB_MEMORY_LIMIT" in completed.stderr
    assert not paths.published.exists()


def test_job_hostile_source_var_refused(published_job: JobPaths, work: Path) -> None:
    paths = clone_job(published_job, work / "job_hostile")
    before = publication_state(paths)
    with connect(paths.build_database, read_only=True) as con:
        tasks = con.execute("select count(*) from salesforce.task").fetchone()[0]
    completed = run_job(paths, "--vars", json.dumps({"salesforce_schema": HOSTILE_SCHEMA}))
    assert completed.returncode == 2, completed.stdout + completed.stderr
    assert "var 'salesforce_schema' must be a plain identifier" in completed.stderr
    assert "$ " not in (paths.run_dirs()[-1] / "job.log").read_text()  # no dbt command ran
    with connect(paths.build_database, read_only=True) as con:
        assert con.execute("select count(*) from salesforce.task").fetchone()[0] == tasks
    assert publication_state(paths) == before


def test_job_second_job_on_the_same_publish_folder_refused_75(published_job: JobPaths, work: Path) -> None:
    paths = clone_job(published_job, work / "job_two_writers")
    other_build = work / "job_two_writers_other" / DATABASE_NAME
    other_build.parent.mkdir()
    shutil.copyfile(paths.build_database, other_build)
    before = publication_state(paths)
    first = start_job(paths, "--skip-freshness")
    try:
        wait_for(lambda: bool(paths.run_dirs()) and created_models(paths.run_dirs()[-1]) >= 1, 120, "a build")
        # another build file and another runs folder, aimed at the same publication
        second = subprocess.run(
            [sys.executable, str(RUN_JOB), "--build-database", str(other_build), "--publish-dir",
             str(paths.publish_dir), "--runs-dir", str(other_build.parent / "runs"), "--skip-freshness"],
            env=job_env(), capture_output=True, text=True, check=False, timeout=120,
        )  # fmt: skip
        assert second.returncode == 75, second.stdout + second.stderr
        assert "publish lock" in second.stderr and str(paths.publish_dir) in second.stderr
        assert not list((other_build.parent / "runs").glob("*T*Z"))
        assert first.poll() is None
    finally:
        kill(first)
    wait_for(lambda: not processes_with(str(paths.run_dirs()[-1])), 30, "the killed run's dbt to exit")
    assert publication_state(paths) == before


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_job_stopped_by_signal(published_job: JobPaths, work: Path, signum: signal.Signals) -> None:
    paths = clone_job(published_job, work / f"job_{signum.name}")
    before = publication_state(paths)
    runs_before = len(paths.run_dirs())
    job = start_job(paths, "--skip-freshness")
    try:
        wait_for(lambda: len(paths.run_dirs()) == runs_before + 1, 120, "the run to start")
        run_dir = paths.run_dirs()[-1]
        wait_for(lambda: created_models(run_dir) >= 5, 300, "the build to create 5 models")
        job.send_signal(signum)
        _, stderr = job.communicate(timeout=60)
    finally:
        kill(job)
    assert job.returncode == 128 + signum, stderr
    assert f"job stopped by {signum.name} (exit {128 + signum}): dbt stopped" in stderr
    assert "Traceback" not in stderr
    assert json.loads((run_dir / "job.json").read_text())["exit_code"] == 128 + signum
    assert f"job stopped by {signum.name}" in (run_dir / "job.log").read_text()
    assert not processes_with(str(run_dir))  # dbt was stopped before the job exited
    assert publication_state(paths) == before
    assert leftovers(paths) == []


def test_job_missing_build_file_refused(work: Path) -> None:
    paths = JobPaths(work / "job_missing_build")
    completed = run_job(paths)
    assert completed.returncode == 2, completed.stdout + completed.stderr
    assert f"build database {paths.build_database} does not exist" in completed.stderr
    assert not paths.build_database.exists() and not paths.build_database.parent.exists()
    assert "$ " not in (paths.run_dirs()[-1] / "job.log").read_text()  # no dbt command ran


def test_job_corrupt_build_file_exits_61(published_job: JobPaths, work: Path) -> None:
    paths = clone_job(published_job, work / "job_corrupt")
    before = publication_state(paths)
    with paths.build_database.open("r+b") as handle:  # a torn copy: the header is overwritten
        handle.write(b"\0" * 8192)
    completed = run_job(paths, "--skip-freshness")
    assert completed.returncode == 61, completed.stdout + completed.stderr
    assert "is corrupt or not a DuckDB file" in completed.stderr
    assert publication_state(paths) == before


def typo_project(work: Path) -> Path:
    """A copy of the project whose stage mapping has a one-character typo in the won stage."""
    project = work / "typo_project"
    ignore = shutil.ignore_patterns(
        ".git", ".venv", "target", "build", "runs", "publish", "logs", "dbt_packages", "*.duckdb*"
    )
    shutil.copytree(PROJECT_DIR, project, ignore=ignore)
    mapping = project / "seeds" / "opportunity_stage_mapping.csv"
    assert "Closed Won,won," in mapping.read_text()
    mapping.write_text(mapping.read_text().replace("Closed Won,won,", "Closed Wn,won,"))
    return project


def test_job_seed_typo_gate_exits_50(published_job: JobPaths, work: Path) -> None:
    paths = clone_job(published_job, work / "job_seed_typo")
    before = publication_state(paths)
    project = typo_project(work)
    completed = subprocess.run(
        [sys.executable, str(project / "scripts" / "run_job.py"), *paths.args("--skip-freshness")[2:]],
        env=job_env(), capture_output=True, text=True, check=False, timeout=600,
    )  # fmt: skip
    assert completed.returncode == 50, completed.stdout + completed.stderr
    assert "publication gate failed, last publication kept: " in completed.stderr
    with connect(paths.build_database, read_only=True) as con:
        won = con.execute("select count(*) from salesforce.opportunity where is_won").fetchone()[0]
    assert won > 0
    assert f"won_signal: {won} opportunities have is_won = true in the CRM but 0 map to the won stage" in (
        completed.stderr
    )
    assert publication_state(paths) == before  # byte-identical
    assert leftovers(paths) == []


def test_job_headline_collapse_gate_then_accepted(published_job: JobPaths, work: Path) -> None:
    paths = clone_job(published_job, work / "job_collapse")
    before = publication_state(paths)
    periods = json.loads((paths.publish_dir / "published.json").read_text())["headline"]["periods"]
    inject_into(
        paths.build_database,
        lambda con: con.execute(
            "delete from salesforce.lead where not is_converted and created_date >= ?", [periods[0]]
        ),
    )
    refused = run_job(paths, "--skip-freshness")
    assert refused.returncode == 50, refused.stdout + refused.stderr
    assert re.search(r"headline_change: over periods .* versus the last publication: leads", refused.stderr)
    assert "rerun with --accept-changes" in refused.stderr
    assert publication_state(paths) == before
    # the operator confirms the drop is real; the publication is readable by a reader group
    group = grp.getgrgid(os.getgid()).gr_name
    accepted = run_job(paths, "--skip-freshness", "--accept-changes", "--reader-group", group)
    assert accepted.returncode == 0, accepted.stdout + accepted.stderr
    assert "accepted by --accept-changes" in accepted.stdout
    published = json.loads((paths.publish_dir / "published.json").read_text())
    assert published["accepted_changes"] and published["run"] == paths.run_dirs()[-1].name
    version = paths.publish_dir / os.readlink(paths.publish_dir / "current")
    for path in [version, *version.rglob("*")]:
        assert path.stat().st_gid == os.getgid()
        assert stat.S_IMODE(path.stat().st_mode) == (0o750 if path.is_dir() else 0o440), path
    assert len(list((paths.publish_dir / "versions").iterdir())) == 2  # the previous one kept, no more


def test_job_as_of_date_in_the_future_exits_50(published_job: JobPaths, work: Path) -> None:
    paths = clone_job(published_job, work / "job_future")
    before = publication_state(paths)
    future = utc_now() + dt.timedelta(days=40)
    inject_into(
        paths.build_database,
        lambda con: con.execute(
            "update salesforce.task set _fivetran_synced = ? "
            "where id = (select min(id) from salesforce.task)",
            [future],
        ),
    )
    completed = run_job(paths)  # the freshness gate passes a timestamp in the future
    assert completed.returncode == 50, completed.stdout + completed.stderr
    expected = (future - dt.timedelta(days=1)).date()
    assert f"as_of_date: {expected} is in the future (today is {utc_now().date()})" in completed.stderr
    assert publication_state(paths) == before


def test_job_as_of_date_before_the_data_exits_50(published_job: JobPaths, work: Path) -> None:
    paths = clone_job(published_job, work / "job_past")
    before = publication_state(paths)
    completed = run_job(paths, "--skip-freshness", "--vars", json.dumps({"as_of_date": "2001-01-31"}))
    assert completed.returncode == 50, completed.stdout + completed.stderr
    assert "publication gate failed" in completed.stderr
    assert "marts_non_empty:" in completed.stderr or "as_of_date: 2001-01-31 is before any funnel event" in (
        completed.stderr
    )
    assert publication_state(paths) == before


@pytest.mark.skipif(os.geteuid() != 0, reason="mounting a small tmpfs needs root (CI runs as root)")
def test_job_full_disk_keeps_the_publication_60(published_job: JobPaths, work: Path) -> None:
    paths = clone_job(published_job, work / "job_full_disk")
    shutil.rmtree(paths.publish_dir)
    paths.publish_dir.mkdir()
    rglob = published_job.publish_dir.rglob("*")
    files = [path for path in rglob if path.is_file() and not path.is_symlink()]
    size_kb = sum(path.stat().st_size for path in files) // 1024
    # room for the current publication and about a third of the next one
    subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size_kb * 4 // 3 + 512}k", "tmpfs", str(paths.publish_dir)],
        check=True,
    )
    try:
        shutil.copytree(published_job.publish_dir, paths.publish_dir, symlinks=True, dirs_exist_ok=True)
        before = publication_state(paths)
        completed = run_job(paths, "--skip-freshness")
        assert completed.returncode == 60, completed.stdout + completed.stderr
        assert "no space left writing the publication in" in completed.stderr
        assert publication_state(paths) == before
        assert leftovers(paths) == []
        with connect(paths.published, read_only=True) as con:
            assert con.execute("select count(*) from fct_funnel_leads").fetchone()[0] > 0
    finally:
        subprocess.run(["umount", "-l", str(paths.publish_dir)], check=False)


@pytest.mark.skipif(os.geteuid() != 0, reason="mounting a small tmpfs needs root (CI runs as root)")
def test_job_full_disk_on_the_build_side_exits_60(published_job: JobPaths, work: Path) -> None:
    paths = clone_job(published_job, work / "job_full_build_disk")
    build_dir = paths.build_database.parent
    copy = work / "job_full_build_disk.duckdb"
    shutil.move(paths.build_database, copy)
    # the built file and 1 MB: dbt's next build writes its new tables before it drops the old ones
    size_kb = copy.stat().st_size // 1024 + 1024
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size_kb}k", "tmpfs", str(build_dir)], check=True)
    try:
        shutil.copyfile(copy, paths.build_database)
        before = publication_state(paths)
        completed = run_job(paths, "--skip-freshness")
        assert completed.returncode == 60, completed.stdout + completed.stderr
        assert f"no space left on the device while dbt wrote {paths.build_database}" in completed.stderr
        # the last good publication stays, whole and readable
        assert publication_state(paths) == before
        with connect(paths.published, read_only=True) as con:
            assert con.execute("select count(*) from fct_funnel_leads").fetchone()[0] > 0
    finally:
        subprocess.run(["umount", "-l", str(build_dir)], check=False)


def test_freshness_hostile_source_var(duckdb_pool: CasePool, work: Path) -> None:
    folder = work / "freshness_hostile"
    folder.mkdir()
    database = folder / DATABASE_NAME
    shutil.copyfile(Path(baseline(duckdb_pool).env["DBT_DUCKDB_PATH"]), database)
    # a bare `dbt source freshness`, not the job (which refuses such vars itself)
    run = run_dbt(
        ["source", "freshness", "--select", "source:revenue_funnel_salesforce.lead"],
        folder / "dbt",
        {"DBT_DUCKDB_PATH": str(database)},
        {"salesforce_schema": 'salesforce"."lead"; drop table salesforce.task; --'},
    )
    assert run.returncode != 0
    assert "var 'salesforce_schema' must be a plain identifier" in run.output
    with connect(database, read_only=True) as con:
        assert (
            con.execute(
                "select count(*) from information_schema.tables "
                "where table_schema = 'salesforce' and table_name = 'task'"
            ).fetchone()[0]
            == 1
        )


# --- faults the build absorbs --------------------------------------------------------------------


@dataclass(frozen=True)
class Absorbed:
    """What a fault the build absorbs comes to: the tables identical to the baseline; the one test
    that warns (None: none warns); the moves of the lead row audit and of audit_funnel_exclusions,
    the check counted as flagged, and one more check of the case's warehouse (None: not checked)."""

    unchanged: tuple[str, ...]
    warning: str | None = None
    lead_audit: dict[str, int] | None = None
    exclusions: dict[tuple[str, str], int] | None = None
    flagged: str | None = None
    check: Callable[[Warehouse], None] | None = None


STAGED_LEADS_AND_FUNNEL = ("stg_salesforce__leads", "fct_funnel_leads", "fct_funnel_periods")
FUNNEL = ("fct_funnel_leads", "fct_funnel_periods")
STAGED_EVENTS_LEADS_AND_FUNNEL = ("stg_salesforce__events", "stg_salesforce__leads", *FUNNEL)


def starts_at_is_a_timestamp_without_time_zone(warehouse: Warehouse) -> None:
    starts_at = warehouse.columns("stg_salesforce__events")["starts_at"]
    assert starts_at.startswith("timestamp")
    assert "time zone" not in starts_at.replace("without time zone", "")


def amount_local_is_a_double(warehouse: Warehouse) -> None:
    assert warehouse.columns("stg_salesforce__opportunities")["amount_local"] in (
        "double",
        "double precision",
    )


def custom_column_is_not_staged(warehouse: Warehouse) -> None:
    assert not any("secret" in column for column in warehouse.columns("stg_salesforce__leads"))


def staging_keeps_the_raw_is_won(warehouse: Warehouse) -> None:
    assert (
        warehouse.scalar(
            "select count(*) from stg_salesforce__opportunities "
            "where stage_name = 'Closed Won' and not is_won"
        )
        == 1
    )


def lead_from_1900_is_excluded(warehouse: Warehouse) -> None:
    assert warehouse.query(
        "select is_created_before_plausible_date, is_excluded from fct_funnel_leads "
        f"where lead_id = '{IMPLAUSIBLE_LEAD}'"
    ) == [(True, True)]


@for_each_case(
    {
        "duplicate_resynced_rows": Absorbed(
            STAGED_LEADS_AND_FUNNEL,
            lead_audit={"raw_row_count": 30, "duplicate_excluded_row_count": 30},
            exclusions={},
        ),
        "null_ids": Absorbed(
            STAGED_LEADS_AND_FUNNEL, lead_audit={"raw_row_count": 7, "missing_id_excluded_row_count": 7}
        ),
        "timestamptz_columns": Absorbed(
            STAGED_EVENTS_LEADS_AND_FUNNEL, check=starts_at_is_a_timestamp_without_time_zone
        ),
        "offset_timestamp_strings": Absorbed(STAGED_EVENTS_LEADS_AND_FUNNEL),
        "castable_string_amounts": Absorbed(
            ("stg_salesforce__opportunities", "stg_salesforce__opportunity_history", *FUNNEL),
            check=amount_local_is_a_double,
        ),
        "unmapped_stage_name": Absorbed(
            ("fct_funnel_periods",),
            warning=(
                "in_config_table_stg_salesforce__opportunity_history_stage_name"
                "__opportunity_stage_mapping__stage_name"
            ),
            exclusions={("opportunity_stage_visit", "unmapped_stage_name"): 1},
        ),
        # the seed opportunity_stage_mapping decides: the deal still counts as won; the audit shows
        # the contradiction, counted once as flagged (not excluded)
        "won_stage_with_is_won_false": Absorbed(
            ("int_opportunity_outcomes", *FUNNEL),
            exclusions={("opportunity", "is_won_contradicts_stage_mapping"): 1},
            flagged="is_won_contradicts_stage_mapping",
            check=staging_keeps_the_raw_is_won,
        ),
        "new_custom_column": Absorbed(STAGED_LEADS_AND_FUNNEL, check=custom_column_is_not_staged),
        # won and pipeline dates come from the stage history, not the close date: no headline number
        # moves, so it is flagged in the audit only
        "close_date_before_created_date": Absorbed(
            FUNNEL,
            exclusions={("opportunity", "close_date_before_created_date"): 1},
            flagged="close_date_before_created_date",
        ),
        # the raw row reaches staging and the funnel table, excluded and counted; no empty periods
        # from 1900 on: the calendar, the as-of date and every period are unchanged
        "lead_created_in_1900": Absorbed(
            ("dim_calendar", "int_as_of_date", "fct_funnel_periods"),
            warning="plausible_dates_stg_salesforce__leads_",
            lead_audit={"raw_row_count": 1, "staged_row_count": 1},
            exclusions={("lead", "created_before_plausible_date"): 1},
            check=lead_from_1900_is_excluded,
        ),
        # the task stays (its activity is real), flagged and counted; the 2099 stamp never sets the
        # as-of date: no centuries of periods or calendar days
        "task_loaded_in_2099": Absorbed(
            ("int_as_of_date", "dim_calendar", "fct_funnel_periods"),
            warning="plausible_dates_stg_salesforce__tasks_",
            exclusions={("task", "dated_after_plausible_date"): 1},
        ),
    }
)
def test_absorbed_fault(pool: CasePool, fault: str, expected: Absorbed) -> None:
    case, base = result(pool, fault), baseline(pool)
    if expected.warning is None:
        assert_clean(case)
    else:
        assert_passed(case, {expected.warning})
    if expected.lead_audit is not None:
        assert audit_delta(case.warehouse, base, "lead") == expected.lead_audit
    if expected.exclusions is not None:
        assert exclusion_delta(case.warehouse, base) == expected.exclusions
    if expected.flagged is not None:
        treatment = case.warehouse.scalar(
            f"select treatment from audit_funnel_exclusions where check_name = '{expected.flagged}'"
        )
        assert treatment == "flagged"
    if expected.check is not None:
        expected.check(case.warehouse)
    assert_same(case.warehouse, base, *expected.unchanged)


# --- duplicates, ids, deletes, merges ----------------------------------------------------------


@uses("soft_deleted_exclude")
def test_soft_deleted_exclude(pool: CasePool) -> None:
    case, base = result(pool, "soft_deleted_exclude"), baseline(pool)
    assert_clean(case)
    assert audit_delta(case.warehouse, base, "lead") == {
        "staged_row_count": -5,
        "deleted_excluded_row_count": 5,
    }
    assert (
        case.warehouse.scalar("select count(*) from fct_funnel_leads")
        == base.scalar("select count(*) from fct_funnel_leads") - 5
    )
    # dropped in staging, so the funnel's own deleted-lead check never sees them; their
    # activities are excluded under their own reason, not as orphans
    deleted = in_list([row[0] for row in base.query(FIRST_UNCONVERTED.format(count=5))])
    orphans = {
        (table, "activity_of_deleted_person"): count
        for table in ("task", "event")
        if (count := base.scalar(f"select count(*) from stg_salesforce__{table}s where who_id in {deleted}"))
    }
    assert orphans
    assert exclusion_delta(case.warehouse, base) == orphans


@uses("soft_deleted_exclude", "soft_deleted_flag")
def test_soft_deleted_flag(pool: CasePool) -> None:
    case, base = result(pool, "soft_deleted_flag"), baseline(pool)
    assert_clean(case)
    assert audit_delta(case.warehouse, base, "lead") == {"deleted_flagged_row_count": 5}
    assert case.warehouse.scalar("select count(*) from stg_salesforce__leads where is_deleted") == 5
    assert (
        case.warehouse.scalar("select count(*) from fct_funnel_leads where is_deleted and is_excluded") == 5
    )
    assert exclusion_delta(case.warehouse, base) == {("lead", "deleted_lead"): 5}
    # both modes give the same funnel counts: flagged leads are excluded from them
    assert_same(case.warehouse, result(pool, "soft_deleted_exclude").warehouse, "fct_funnel_periods")


@uses("fivetran_deleted_rows")
def test_fivetran_deleted_rows(pool: CasePool) -> None:
    case, base = result(pool, "fivetran_deleted_rows"), baseline(pool)
    assert_clean(case)
    assert audit_delta(case.warehouse, base, "lead") == {
        "staged_row_count": -3,
        "deleted_excluded_row_count": 3,
    }
    deleted = case.warehouse.query(
        "select lead_id from snap_salesforce__leads where dbt_is_deleted = 'True' order by lead_id"
    )
    assert deleted == base.query(FIRST_UNCONVERTED.format(count=3))


@uses("vanished_rows_recorded_by_snapshot")
def test_vanished_rows_recorded_by_snapshot(pool: CasePool) -> None:
    case, base = result(pool, "vanished_rows_recorded_by_snapshot"), baseline(pool)
    assert_clean(case)
    gone = sorted(
        set(base.query("select lead_id from stg_salesforce__leads"))
        - set(case.warehouse.query("select lead_id from stg_salesforce__leads"))
    )
    assert len(gone) == 2
    # the raw audit cannot see a row that is no longer there; the snapshot records it
    assert audit_delta(case.warehouse, base, "lead") == {"raw_row_count": -2, "staged_row_count": -2}
    closed = case.warehouse.query(
        "select lead_id, count(*) from snap_salesforce__leads where dbt_is_deleted = 'True' "
        "group by lead_id order by lead_id"
    )
    assert closed == [(lead_id, 1) for (lead_id,) in gone]
    still_current = case.warehouse.scalar(
        "select count(*) from snap_salesforce__leads "
        "where dbt_valid_to is null and dbt_is_deleted = 'False' "
        f"and lead_id in {in_list([lead_id for (lead_id,) in gone])}"
    )
    assert still_current == 0


@uses("merged_records")
def test_merged_records(pool: CasePool) -> None:
    case, base = result(pool, "merged_records"), baseline(pool)
    assert_clean(case)
    assert audit_delta(case.warehouse, base, "lead") == {
        "staged_row_count": -1,
        "merged_excluded_row_count": 1,
    }
    merges = case.warehouse.query(
        "select merged_record_id, master_record_id, object_type from stg_salesforce__record_merges"
    )
    assert len(merges) == 1 and merges[0][2] == "lead"
    merged, survivor = merges[0][:2]
    # the merged record's activities now belong to the survivor's person
    persons = case.warehouse.query(
        "select record_id, person_id from int_person_identities "
        f"where record_id in ('{merged}', '{survivor}') "
        "order by record_id"
    )
    assert len(persons) == 2 and persons[0][1] == persons[1][1]
    assert case.warehouse.scalar(f"select count(*) from fct_funnel_leads where lead_id = '{merged}'") == 0
    assert exclusion_delta(case.warehouse, base) == {}


@uses("empty_source_table")
def test_empty_source_table(pool: CasePool) -> None:
    case, base = result(pool, "empty_source_table"), baseline(pool)
    run = case.run
    assert run.returncode == 0, run.output[-4000:]
    assert audit_row(case.warehouse, "event")["raw_row_count"] == 0
    assert case.warehouse.scalar("select sum(appointments_count) from fct_funnel_periods") == 0
    # leads are unchanged, and every factor over zero appointments is null, never infinite
    assert case.warehouse.query(
        "select period_start_date, leads_count from fct_funnel_periods where breakdown_dimension = 'total' "
        "order by 1"
    ) == base.query(
        "select period_start_date, leads_count from fct_funnel_periods where breakdown_dimension = 'total' "
        "order by 1"
    )
    assert (
        case.warehouse.scalar(
            "select count(*) from fct_funnel_periods "
            "where appointments_count = 0 and pipeline_factor is not null"
        )
        == 0
    )
    # every lead that reached pipeline is now flagged as having skipped the appointment
    pipeline_leads = case.warehouse.scalar(
        "select count(*) from fct_funnel_leads where pipeline_at is not null and not is_excluded"
    )
    assert exclusions(case.warehouse)[("lead", "pipeline_without_appointment")] == pipeline_leads
    assert run.with_status("warn", "fail", "error") == set(), run.problems
    # the incremental staging model was emptied too, as a full refresh would
    assert case.warehouse.scalar("select count(*) from stg_salesforce__events") == 0


@uses("empty_source_table_refilled")
def test_empty_source_table_refilled(pool: CasePool) -> None:
    case, base = result(pool, "empty_source_table_refilled"), baseline(pool)
    emptied, refilled = case.runs
    assert emptied.returncode == 0 and refilled.returncode == 0, refilled.output[-4000:]
    # after an empty load the incremental watermark is gone: the next run takes everything again
    assert_same(case.warehouse, base, "stg_salesforce__events")


# --- types and time zones ------------------------------------------------------------------------


@uses("non_castable_amount")
def test_non_castable_amount(pool: CasePool) -> None:
    case = result(pool, "non_castable_amount")
    run = case.run
    assert run.returncode == 1
    # the base table casts the raw row, so the first model that reads the amount fails
    assert run.status("base_salesforce__opportunity") == "error"
    message = run.results[next(uid for uid in run.results if uid.endswith(".base_salesforce__opportunity"))][
        "message"
    ]
    # the failing model and the offending value are named
    expected = {
        "duckdb": "Could not convert string 'n/a' to DOUBLE",
        "postgres": 'invalid input syntax for type double precision: "n/a"',
    }
    assert expected[pool.target.name] in message, message
    assert run.status("stg_salesforce__opportunities") == "skipped"
    assert run.status("int_opportunity_outcomes") == "skipped"


@uses("exchange_rate_static_fallback")
def test_exchange_rate_static_fallback(pool: CasePool) -> None:
    case, base = result(pool, "exchange_rate_static_fallback"), baseline(pool)
    assert_clean(case)
    in_hole = (
        f"currency_code = 'EUR' and close_date >= date '{FX_MONTH}' "
        f"and close_date < date '{FX_MONTH}' + interval '1 month'"
    )
    opportunities = base.scalar(f"select count(*) from int_opportunity_outcomes where {in_hole}")
    assert opportunities > 0
    assert case.warehouse.query(
        f"select conversion_rate_source, count(*) from int_opportunity_outcomes where {in_hole} group by 1"
    ) == [("static_fallback", opportunities)]
    assert (
        case.warehouse.scalar(
            f"select count(*) from int_opportunity_outcomes "
            f"where {in_hole} and abs(conversion_rate - 0.8269) > 1e-12"
        )
        == 0
    )
    # the fallback is visible on the lead, not counted as missing
    assert exclusion_delta(case.warehouse, base) == {}
    assert (
        case.warehouse.scalar(
            "select count(*) from fct_funnel_leads where first_won_conversion_rate_source = 'static_fallback'"
        )
        >= 1
    )


@uses("exchange_rate_missing")
def test_exchange_rate_missing(pool: CasePool) -> None:
    case, base = result(pool, "exchange_rate_missing"), baseline(pool)
    assert_passed(case)
    # persons with a deal won in EUR in the month without any EUR rate
    won_in_hole = base.scalar(
        "select count(distinct person_id) from int_opportunity_outcomes where currency_code = 'EUR' "
        f"and won_at is not null and close_date >= date '{FX_MONTH}' "
        f"and close_date < date '{FX_MONTH}' + interval '1 month' "
        "and person_id in (select person_id from fct_funnel_leads where not is_excluded)"
    )
    assert won_in_hole >= 1
    assert exclusion_delta(case.warehouse, base) == {
        ("lead", "won_amount_without_exchange_rate"): won_in_hole
    }
    missing = case.warehouse.query(
        "select count(*), count(amount) from int_opportunity_outcomes "
        "where conversion_rate_source = 'missing' "
        f"and close_date >= date '{FX_MONTH}' and close_date < date '{FX_MONTH}' + interval '1 month'"
    )
    assert missing[0][0] >= won_in_hole and missing[0][1] == 0


# --- schema drift --------------------------------------------------------------------------------


@uses("removed_optional_column")
def test_removed_optional_column(pool: CasePool) -> None:
    case, base = result(pool, "removed_optional_column"), baseline(pool)
    assert_clean(case)
    assert case.warehouse.columns("stg_salesforce__leads") == base.columns("stg_salesforce__leads")
    assert case.warehouse.scalar("select count(lead_rating) from stg_salesforce__leads") == 0
    assert base.scalar("select count(lead_rating) from stg_salesforce__leads") > 0
    # only the rating itself is gone downstream; the funnel counts are the same
    assert case.warehouse.scalar("select count(lead_rating) from fct_funnel_leads") == 0
    assert table_differences(case.warehouse, base, "fct_funnel_leads", ignore=["lead_rating"]) == []
    assert_same(case.warehouse, base, "fct_funnel_periods")


@uses("removed_id_column")
def test_removed_id_column(pool: CasePool) -> None:
    case = result(pool, "removed_id_column")
    run = case.run
    assert run.returncode == 1
    assert run.status("base_salesforce__task") == "error"
    assert "has no column 'id' (or its API spelling), which the contract marks as required" in run.output
    assert '"salesforce"."task"' in run.output
    assert run.status("stg_salesforce__tasks") == "skipped"


# --- incremental staging -------------------------------------------------------------------------


@for_each_case(
    {
        # within incremental_lookback_days of the watermark: picked up; a week beyond it: missed
        "late_activity_incremental_run": (["late_within"], True),
        "late_activity_full_refresh": (["late_beyond", "late_within"], False),
    }
)
def test_late_activity(pool: CasePool, fault: str, expected: tuple[list[str], bool]) -> None:
    staged, incremental = expected
    case = result(pool, fault)
    assert_clean(case)
    if incremental:
        assert "incremental" in case.run.output.lower()
    assert case.warehouse.query(
        "select task_id from stg_salesforce__tasks where task_id like 'late%' order by task_id"
    ) == [(task,) for task in staged]


@uses("new_touch_incremental_attribution")
def test_new_touch_recomputes_only_its_person(pool: CasePool) -> None:
    case, base = result(pool, "new_touch_incremental_attribution"), baseline(pool)
    assert_clean(case)
    assert re.search(r"incremental model \S*fct_attribution_touchpoints", case.run.output)
    [(person,)] = case.warehouse.query(
        f"select person_id from int_campaign_touches where campaign_member_id = '{INJECTED_TOUCH}'"
    )
    credited = case.warehouse.query(
        f"select funnel_stage from fct_attribution_touchpoints where person_id = '{person}' "
        f"and campaign_member_id = '{INJECTED_TOUCH}'"
    )
    assert ("lead",) in credited
    # every other person keeps exactly the rows the full build gave them
    others = (
        "select person_id, funnel_stage, campaign_member_id, campaign_id, channel, touch_position, "
        "touch_count, linear_credit, w_shaped_credit, time_decay_credit "
        f"from fct_attribution_touchpoints where person_id <> '{person}' "
        "order by person_id, funnel_stage, campaign_member_id"
    )
    rows, base_rows = case.warehouse.query(others), base.query(others)
    assert len(rows) > 100
    assert len(rows) == len(base_rows)
    for row, base_row in zip(rows, base_rows, strict=True):
        assert row[:7] == base_row[:7]
        assert all(math.isclose(a, b, rel_tol=1e-12) for a, b in zip(row[7:], base_row[7:], strict=True))


# --- zero counts ---------------------------------------------------------------------------------


@uses("zero_count_period")
def test_zero_count_period(pool: CasePool) -> None:
    case, base = result(pool, "zero_count_period"), baseline(pool)
    assert_passed(case)
    month = case.warehouse.query(
        "select leads_count, handled_count, appointments_count, lead_factor, appointment_factor, "
        "handled_rate from fct_funnel_periods "
        f"where breakdown_dimension = 'total' and period_start_date = date '{ZERO_MONTH}'"
    )
    assert len(month) == 1
    leads, handled, appointments, lead_factor, appointment_factor, handled_rate = month[0]
    assert (leads, lead_factor) == (0, 0.0)
    assert appointment_factor is None and handled_rate is None
    assert handled + appointments > 0  # earlier leads still moved on in that month
    # the period drops out of every controllability window that holds it (the period view: in the
    # cohort view a month without leads has no cohort at all)
    query = (
        "select window_end_period_start_date, kpi_stage, factor, periods_excluded_count "
        "from fct_kpi_controllability_factors "
        f"where conversion_view = 'period' and window_start_period_start_date <= date '{ZERO_MONTH}' "
        f"and window_end_period_start_date >= date '{ZERO_MONTH}' order by 1, 2, 3"
    )
    after, before = case.warehouse.query(query), base.query(query)
    assert after and [row[:3] for row in after] == [row[:3] for row in before]
    assert all(a[3] == b[3] + 1 for a, b in zip(after, before, strict=True))
    assert (
        case.warehouse.scalar(
            "select count(*) from fct_funnel_periods "
            "where lead_factor = 'Infinity' or appointment_factor = 'Infinity' "
            "or pipeline_factor = 'Infinity' or won_factor = 'Infinity' or handled_rate = 'Infinity'"
        )
        == 0
    )


# --- hostile vars --------------------------------------------------------------------------------


def raw_intact(case: Warehouse, base: Warehouse) -> None:
    for table in ("lead", "task"):
        assert case.raw_table_exists(table)
        count = f"select count(*) from salesforce.{table}"
        assert case.scalar(count) == base.scalar(count)


@dataclass(frozen=True)
class Refused:
    """A hostile var dbt refuses: its exit code, its message, the model that errors (None: none)."""

    exit_code: int
    message: str
    errored: str | None = None


@for_each_case(
    {
        # refused while dbt parses the project (exit 2), before any SQL
        "hostile_string_var": Refused(
            2,
            "var 'salesforce_deleted_records' is exclude'; drop table salesforce.lead; --; "
            "allowed values: exclude, flag",
        ),
        # refused when the base model compiles, before the raw relation is described
        "hostile_schema_var": Refused(
            1, "var 'salesforce_schema' must be a plain identifier", errored="base_salesforce__lead"
        ),
        "hostile_list_var_as_string": Refused(2, "var 'test_lead_email_domains' must be a list of strings"),
    }
)
def test_hostile_var_refused(pool: CasePool, fault: str, expected: Refused) -> None:
    case, base = result(pool, fault), baseline(pool)
    assert case.run.returncode == expected.exit_code
    if expected.errored is not None:
        assert case.run.status(expected.errored) == "error"
    assert expected.message in case.run.output
    raw_intact(case.warehouse, base)


@uses("hostile_list_var_item")
def test_hostile_list_var_item(pool: CasePool) -> None:
    case, base = result(pool, "hostile_list_var_item"), baseline(pool)
    # a quote inside a list item is escaped into an inert literal: the build passes, nothing matches it
    assert case.run.returncode == 0, case.run.output[-4000:]
    assert case.warehouse.scalar("select count(*) from stg_salesforce__leads where is_test_lead") == 0
    raw_intact(case.warehouse, base)


# --- implausible values, tied duplicates, unreadable roles ---------------------------------------


def total_won_amount(warehouse: Warehouse) -> float:
    value = warehouse.scalar(
        "select sum(won_amount) from fct_funnel_periods where breakdown_dimension = 'total'"
    )
    assert isinstance(value, (int, float)), value
    return float(value)


@uses("negative_won_amount")
def test_negative_won_amount(pool: CasePool) -> None:
    case, base = result(pool, "negative_won_amount"), baseline(pool)
    # kept in the funnel (the CRM is the system of record), but the build warns and the audit counts it
    assert_passed(case, {"assert_won_amounts_are_plausible"})
    assert exclusion_delta(case.warehouse, base) == {("opportunity", "negative_amount"): 1}
    (opportunity_id, amount), *_ = base.query(
        "select opportunity_id, amount from int_opportunity_outcomes "
        "where won_at is not null and person_id is not null and currency_code = 'USD' "
        "order by opportunity_id limit 1"
    )
    assert amount > 0
    # the headline won amount moves by exactly the injected change (USD is the corporate currency)
    delta = total_won_amount(case.warehouse) - total_won_amount(base)
    assert math.isclose(delta, NEGATIVE_WON_AMOUNT - amount, rel_tol=1e-9)
    assert (
        case.warehouse.scalar(
            f"select amount from int_opportunity_outcomes where opportunity_id = '{opportunity_id}'"
        )
        == NEGATIVE_WON_AMOUNT
    )


@uses("tied_duplicate_variant_last", "tied_duplicate_variant_first")
def test_tied_duplicates_do_not_depend_on_row_order(pool: CasePool) -> None:
    base = baseline(pool)
    last, first = result(pool, "tied_duplicate_variant_last"), result(pool, "tied_duplicate_variant_first")
    for case in (last, first):
        assert_clean(case)
        assert audit_delta(case.warehouse, base, "lead") == {
            "raw_row_count": 1,
            "duplicate_excluded_row_count": 1,
        }
    # the same survivor whichever copy is stored first: the content hash breaks the tie
    assert_same(last.warehouse, first.warehouse, "stg_salesforce__leads")
    (lead_id,), *_ = base.query(FIRST_UNCONVERTED.format(count=1))
    titles = {
        case.warehouse.scalar(f"select title from stg_salesforce__leads where lead_id = '{lead_id}'")
        for case in (last, first)
    }
    original = base.scalar(f"select title from stg_salesforce__leads where lead_id = '{lead_id}'")
    assert original != VARIANT_TITLE
    assert len(titles) == 1 and titles <= {original, VARIANT_TITLE}


@uses("null_role_developer_names")
def test_null_role_developer_names(pool: CasePool) -> None:
    run, base = result(pool, "null_role_developer_names").run, baseline(pool)
    # an error, not a silent 'Unmapped' for every user: the departments are never built
    assert run.returncode == 1
    assert run.status("assert_user_roles_map_to_departments") == "fail"
    failing = next(
        r for uid, r in run.results.items() if uid.startswith("test.revenue_funnel.assert_user_roles_map_to")
    )

    # one failing row per role whose label, without spaces and underscores, is no developer name
    # of the seed: 'Marketing Manager' still finds Marketing_Manager, 'Inside Sales Representative'
    # finds nothing (the seed says IS_Rep)
    def key(text: str) -> str:
        return text.lower().replace(" ", "").replace("_", "")

    seed = (PROJECT_DIR / "seeds" / "user_role_departments.csv").read_text().splitlines()[1:]
    seed_keys = {key(line.split(",")[0]) for line in seed}
    labels = [label for (label,) in base.query("select user_role_name from stg_salesforce__user_roles")]
    unmatched = {label for label in labels if key(label) not in seed_keys}
    assert "Inside Sales Representative" in unmatched and "Marketing Manager" not in unmatched
    assert failing["failures"] == len(unmatched)
    assert run.status("int_users_departments") == "skipped"
    assert run.status("fct_funnel_periods") == "skipped"

"""Helpers for tests/python/test_fault_injection.py: baselines, one-fault copies, dbt and job runs.

A baseline warehouse is generated (scripts/generate_demo_data.py, no dirt) and built once per
target; each fault case copies it, injects one fault into the raw tables with DuckDB SQL, and
rebuilds only the part of the DAG the fault reaches. The cases run in a background pool (two
at a time) as soon as the baseline exists, so the tests mostly just read their results.

Targets:
- duckdb: the case is a copy of the built baseline file. Every copy has the same file name,
  because dbt-duckdb names the database after the file's stem and the sources' database
  (var salesforce_database, default target.database) must not move; that also lets each case
  start from the same saved parse (dbt_runner.dbt_subprocess) instead of parsing the project again.
- postgres: the case is a database created from the built baseline database (template), into
  which the faulted raw tables are loaded from a DuckDB copy of the raw data with
  scripts/load_raw_postgres.py. Same injections, same selections, same assertions.
"""

from __future__ import annotations

import json
import math
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
from dbt_runner import dbt_subprocess

PROJECT_DIR = Path(__file__).resolve().parents[2]
GENERATOR = PROJECT_DIR / "scripts" / "generate_demo_data.py"
RUN_JOB = PROJECT_DIR / "scripts" / "run_job.py"

LEADS = 1500
DATABASE_NAME = "warehouse.duckdb"
PUBLISHED_DATABASE = "revenue_funnel.duckdb"  # scripts/publication.py
DUCKDB_CONFIG = {"storage_compatibility_version": "v1.4.0"}
# Unit tests do not read the data: no fault can change them.
BUILD_FLAGS = ["--exclude", "resource_type:unit_test", "--indirect-selection", "cautious"]
WORKERS = int(os.environ.get("REVENUE_FUNNEL_FAULT_WORKERS", "2"))

Inject = Callable[[duckdb.DuckDBPyConnection], None]


# --- generated data -----------------------------------------------------------------------------


def generate_raw(
    database: Path, *, leads: int = LEADS, dirt: bool = False, end_date: str | None = None
) -> None:
    """Deterministic demo raw data into schema salesforce of a new DuckDB file."""
    command = [sys.executable, str(GENERATOR), "--quiet", "--leads", str(leads), "--duckdb", str(database)]
    command += [] if dirt else ["--no-dirt"]
    command += ["--end-date", end_date] if end_date else []
    subprocess.run(command, check=True, capture_output=True, text=True)


def connect(database: Path, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    if read_only:
        return duckdb.connect(str(database), read_only=True)
    return duckdb.connect(str(database), config=DUCKDB_CONFIG)


def inject_into(database: Path, inject: Inject) -> None:
    with connect(database) as con:
        inject(con)


def raw_tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    return [
        row[0]
        for row in con.execute(
            "select table_name from information_schema.tables where table_schema = 'salesforce' "
            "and table_type = 'BASE TABLE' order by table_name"
        ).fetchall()
    ]


# --- dbt ----------------------------------------------------------------------------------------


@dataclass
class DbtRun:
    """One dbt command: exit code, printed output and the status of every node it ran."""

    returncode: int
    output: str
    results: dict[str, dict] = field(default_factory=dict)

    def status(self, name: str) -> str | None:
        """Status of the node called `name` (a model, test or seed), None when it did not run."""
        matches = [r["status"] for uid, r in self.results.items() if node_name(uid) == name]
        return matches[0] if len(matches) == 1 else None

    def message(self, name: str) -> str:
        return next(r["message"] or "" for uid, r in self.results.items() if node_name(uid) == name)

    def with_status(self, *statuses: str) -> set[str]:
        """Names of the nodes (models, tests...) that ended in one of `statuses`."""
        return {node_name(uid) for uid, r in self.results.items() if r["status"] in statuses}

    @property
    def problems(self) -> set[str]:
        return self.with_status("error", "fail", "runtime error", "warn")


def node_name(unique_id: str) -> str:
    """model.revenue_funnel.stg_x -> stg_x; test.revenue_funnel.not_null_x.1a2b3c -> not_null_x."""
    parts = unique_id.split(".")
    return parts[2] if parts[0] in ("test", "unit_test") else parts[-1]


def run_dbt(
    args: Sequence[str],
    work: Path,
    env: dict[str, str],
    variables: dict | None = None,
) -> DbtRun:
    """Run dbt with its target and logs under `work`, from the saved parse of the project (dbt_runner)."""
    target_dir = work / "target"
    (target_dir / "run_results.json").unlink(missing_ok=True)
    completed = dbt_subprocess(args, target_dir, work / "logs", env, variables)
    results: dict[str, dict] = {}
    results_file = target_dir / "run_results.json"
    if results_file.exists():
        for result in json.loads(results_file.read_text())["results"]:
            results[result["unique_id"]] = result
    return DbtRun(completed.returncode, completed.stdout + completed.stderr, results)


# --- targets and warehouses ---------------------------------------------------------------------


@dataclass
class Warehouse:
    """One built warehouse of a target: the baseline, or a copy with one fault injected."""

    target: Target
    name: str
    work: Path
    env: dict[str, str]

    def dbt(
        self, args: Sequence[str], variables: dict | None = None, env: dict[str, str] | None = None
    ) -> DbtRun:
        folder = self.work / f"dbt{len(list(self.work.glob('dbt*')))}"
        return run_dbt(args, folder, {**self.env, **(env or {})}, variables)

    def query(self, sql: str) -> list[tuple]:
        return self.target.query(self, sql)

    def scalar(self, sql: str) -> object:
        rows = self.query(sql)
        assert len(rows) == 1 and len(rows[0]) == 1, rows
        return rows[0][0]

    def columns(self, table: str) -> dict[str, str]:
        """Column name -> lower-case data type of a model in the build schema."""
        return self.target.columns(self, table)

    def raw_table_exists(self, table: str) -> bool:
        return self.target.raw_table_exists(self, table)


class Target:
    """A warehouse engine the suite can build on."""

    name = ""
    schema = "main"  # where dbt builds the models

    def __init__(self, work: Path) -> None:
        self.work = work
        self.baseline: Warehouse | None = None

    # overridden per engine
    def build_baseline(self, raw_database: Path) -> Warehouse:
        raise NotImplementedError

    def copy_of_baseline(self, name: str, inject: Inject | None, tables: Sequence[str]) -> Warehouse:
        raise NotImplementedError

    def inject_again(self, warehouse: Warehouse, inject: Inject, tables: Sequence[str]) -> None:
        raise NotImplementedError

    def query(self, warehouse: Warehouse, sql: str) -> list[tuple]:
        raise NotImplementedError

    # the same information_schema queries on every engine; only the build schema differs
    def columns(self, warehouse: Warehouse, table: str) -> dict[str, str]:
        rows = self.query(
            warehouse,
            f"select column_name, data_type from information_schema.columns "
            f"where table_schema = '{self.schema}' and table_name = '{table}'",
        )
        return {name: data_type.lower() for name, data_type in rows}

    def raw_table_exists(self, warehouse: Warehouse, table: str) -> bool:
        return bool(
            self.query(
                warehouse,
                "select 1 from information_schema.tables "
                f"where table_schema = 'salesforce' and table_name = '{table}'",
            )
        )

    def close(self) -> None:
        """Drop what the target created outside the work folder."""


class DuckdbTarget(Target):
    name = "duckdb"

    def build_baseline(self, raw_database: Path) -> Warehouse:
        folder = self.work / "baseline"
        folder.mkdir(parents=True)
        shutil.copyfile(raw_database, folder / DATABASE_NAME)
        baseline = Warehouse(self, "baseline", folder, {"DBT_DUCKDB_PATH": str(folder / DATABASE_NAME)})
        build = baseline.dbt(["build", "--full-refresh", "--exclude", "resource_type:unit_test"])
        assert build.returncode == 0, build.output[-5000:]
        self.baseline = baseline
        return baseline

    def database(self, warehouse: Warehouse) -> Path:
        return Path(warehouse.env["DBT_DUCKDB_PATH"])

    def copy_of_baseline(self, name: str, inject: Inject | None, tables: Sequence[str]) -> Warehouse:
        assert self.baseline is not None
        folder = self.work / "cases" / name
        folder.mkdir(parents=True)
        database = folder / DATABASE_NAME
        shutil.copyfile(self.database(self.baseline), database)
        if inject is not None:
            inject_into(database, inject)
        return Warehouse(self, name, folder, {"DBT_DUCKDB_PATH": str(database)})

    def inject_again(self, warehouse: Warehouse, inject: Inject, tables: Sequence[str]) -> None:
        inject_into(self.database(warehouse), inject)

    def query(self, warehouse: Warehouse, sql: str) -> list[tuple]:
        with connect(self.database(warehouse), read_only=True) as con:
            return con.execute(sql).fetchall()



class PostgresTarget(Target):
    """Databases on the server of scripts/start_postgres.sh; each case is a copy of the baseline."""

    name = "postgres"
    schema = "analytics"

    def __init__(self, work: Path) -> None:
        super().__init__(work)
        from dbt_runner import start_postgres

        self.prefix = f"rf_faults_{os.getpid()}"
        self.server_env = start_postgres({"DBT_POSTGRES_DBNAME": self.prefix + "_admin"})
        # start_postgres.sh creates the database it is given: dropped with the others at the end
        self.databases: list[str] = [self.prefix + "_admin"]
        self.raw_database: Path | None = None
        self.template = self.prefix + "_template"
        # CREATE DATABASE ... TEMPLATE needs the template to have no other session: one at a time,
        # from a copy of the baseline that no test queries
        self.create_lock = threading.Lock()

    def _admin(self, sql: str) -> None:
        import psycopg2
        from dbt_runner import postgres_dsn

        con = psycopg2.connect(postgres_dsn(self.server_env, dbname="postgres"))
        con.autocommit = True
        try:
            with con.cursor() as cursor:
                cursor.execute(sql)
        finally:
            con.close()

    def _env(self, dbname: str) -> dict[str, str]:
        return {**self.server_env, "DBT_POSTGRES_DBNAME": dbname, "DBT_TARGET": "postgres"}

    def _load(self, raw_database: Path, dbname: str, tables: Sequence[str] | None) -> None:
        import load_raw_postgres
        from dbt_runner import postgres_dsn

        with connect(raw_database, read_only=True) as con:
            found = load_raw_postgres.duckdb_tables(con, "salesforce")
            chosen = [table for table in found if tables is None or table.name in tables]
            load_raw_postgres.load(con, chosen, postgres_dsn(self._env(dbname)), "salesforce", progress=False)

    def build_baseline(self, raw_database: Path) -> Warehouse:
        dbname = self.prefix + "_baseline"
        self._admin(
            f"create database \"{dbname}\" template template0 encoding 'UTF8' lc_collate 'C.UTF-8' "
            f"lc_ctype 'C.UTF-8'"
        )
        self.databases.append(dbname)
        folder = self.work / "baseline_postgres"
        folder.mkdir(parents=True)
        self.raw_database = folder / "raw.duckdb"
        shutil.copyfile(raw_database, self.raw_database)
        self._load(self.raw_database, dbname, None)
        baseline = Warehouse(self, "baseline", folder, self._env(dbname))
        build = baseline.dbt(["build", "--full-refresh", "--exclude", "resource_type:unit_test"])
        assert build.returncode == 0, build.output[-5000:]
        self._admin(f'create database "{self.template}" template "{dbname}"')
        self.databases.append(self.template)
        self.baseline = baseline
        return baseline

    def copy_of_baseline(self, name: str, inject: Inject | None, tables: Sequence[str]) -> Warehouse:
        assert self.baseline is not None and self.raw_database is not None
        dbname = f"{self.prefix}_{name}"[:63]
        with self.create_lock:
            self._admin(f'create database "{dbname}" template "{self.template}"')
            self.databases.append(dbname)
        folder = self.work / "cases_postgres" / name
        folder.mkdir(parents=True)
        raw = folder / "raw.duckdb"
        shutil.copyfile(self.raw_database, raw)
        if inject is not None:
            inject_into(raw, inject)
            self._load(raw, dbname, tables)
        return Warehouse(self, name, folder, self._env(dbname))

    def inject_again(self, warehouse: Warehouse, inject: Inject, tables: Sequence[str]) -> None:
        raw = warehouse.work / "raw.duckdb"
        inject_into(raw, inject)
        self._load(raw, warehouse.env["DBT_POSTGRES_DBNAME"], tables)

    def query(self, warehouse: Warehouse, sql: str) -> list[tuple]:
        import psycopg2
        from dbt_runner import postgres_dsn

        con = psycopg2.connect(postgres_dsn(warehouse.env), options=f"-c search_path={self.schema}")
        try:
            with con.cursor() as cursor:
                cursor.execute(sql)
                return [tuple(_normalize(value) for value in row) for row in cursor.fetchall()]
        finally:
            con.close()


    def close(self) -> None:
        for dbname in reversed(self.databases):
            self._admin(f'drop database if exists "{dbname}" with (force)')


def _normalize(value: object) -> object:
    import decimal

    return float(value) if isinstance(value, decimal.Decimal) else value


# --- cases --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """One dbt command of a case, optionally after one more change to the raw tables."""

    args: tuple[str, ...]
    variables: dict | None = None
    env: tuple[tuple[str, str], ...] = ()
    inject: Inject | None = None


@dataclass(frozen=True)
class Case:
    """One fault: the raw tables it touches, the SQL that injects it, the dbt commands after it."""

    name: str
    tables: tuple[str, ...]
    inject: Inject | None
    steps: tuple[Step, ...]
    targets: tuple[str, ...] = ("duckdb", "postgres")


@dataclass
class CaseResult:
    warehouse: Warehouse
    runs: list[DbtRun]

    @property
    def run(self) -> DbtRun:
        return self.runs[-1]


def build_step(select: str, variables: dict | None = None, *extra: str) -> Step:
    return Step(("build", "--select", select, *BUILD_FLAGS, *extra), variables)


def staging_selection(*tables: str) -> str:
    """A raw table's base view and staging model, the row audit, and their tests."""
    return " ".join([*(f"base_salesforce__{table}+1" for table in tables), "audit_salesforce_row_counts"])


def funnel_selection(*tables: str, marts: Sequence[str] = ("fct_funnel_periods",)) -> str:
    """Everything between the raw tables and the given marts, both audits, and their tests."""
    parts = [
        f"base_salesforce__{table}+,+{mart}"
        for table in tables
        for mart in (*marts, "audit_funnel_exclusions")
    ]
    return " ".join([*parts, "audit_salesforce_row_counts"])


def run_case(target: Target, case: Case) -> CaseResult:
    warehouse = target.copy_of_baseline(case.name, case.inject, case.tables)
    runs = []
    for step in case.steps:
        if step.inject is not None:
            target.inject_again(warehouse, step.inject, case.tables)
        runs.append(warehouse.dbt(step.args, step.variables, dict(step.env)))
    return CaseResult(warehouse, runs)


class CasePool:
    """Runs the cases of one target in the background, two at a time, in the order given."""

    def __init__(self, target: Target, cases: Iterable[Case]) -> None:
        self.target = target
        self.executor = ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix=f"faults-{target.name}")
        self.futures: dict[str, Future[CaseResult]] = {
            case.name: self.executor.submit(run_case, target, case) for case in cases
        }

    def result(self, name: str) -> CaseResult:
        return self.futures[name].result()

    def close(self) -> None:
        self.executor.shutdown(wait=True, cancel_futures=True)


# --- comparing warehouses -----------------------------------------------------------------------


def _row_key(row: tuple) -> tuple:
    exact = tuple((v is None, "" if v is None else str(v)) for v in row if not isinstance(v, float))
    approx = tuple(
        (v is None, 0.0 if v is None or math.isnan(v) else round(v, 6)) for v in row if isinstance(v, float)
    )
    return exact, approx


def _same_value(left: object, right: object) -> bool:
    if isinstance(left, float) and isinstance(right, float):
        return math.isclose(left, right, rel_tol=1e-9, abs_tol=1e-9) or (
            math.isnan(left) and math.isnan(right)
        )
    return left == right


def table_differences(left: Warehouse, right: Warehouse, table: str, ignore: Sequence[str] = ()) -> list:
    """Rows of `table` that differ between two warehouses (floats to 1e-9); [] when equal."""
    columns = sorted(left.columns(table))
    assert columns == sorted(right.columns(table)), f"{table}: columns differ"
    columns = [column for column in columns if column not in ignore]
    select = "select " + ", ".join(columns) + f" from {table}"
    left_rows = sorted(left.query(select), key=_row_key)
    right_rows = sorted(right.query(select), key=_row_key)
    if len(left_rows) != len(right_rows):
        return [("row count", len(left_rows), len(right_rows))]
    return [
        (l_row, r_row)
        for l_row, r_row in zip(left_rows, right_rows, strict=True)
        if not all(_same_value(a, b) for a, b in zip(l_row, r_row, strict=True))
    ][:5]


# --- the scheduled job --------------------------------------------------------------------------


@dataclass
class JobPaths:
    root: Path

    @property
    def build_database(self) -> Path:
        return self.root / "build" / DATABASE_NAME

    @property
    def publish_dir(self) -> Path:
        return self.root / "publish"

    @property
    def published(self) -> Path:
        """The stable name readers open (a symlink into the current version)."""
        return self.publish_dir / PUBLISHED_DATABASE

    @property
    def runs_dir(self) -> Path:
        return self.root / "runs"

    def args(self, *extra: str) -> list[str]:
        return [
            sys.executable,
            str(RUN_JOB),
            "--build-database",
            str(self.build_database),
            "--publish-dir",
            str(self.publish_dir),
            "--runs-dir",
            str(self.runs_dir),
            *extra,
        ]

    def run_dirs(self) -> list[Path]:
        return sorted(path for path in self.runs_dir.glob("*T*Z") if path.is_dir())


def job_env(**extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("DBT_DUCKDB_PATH")}
    return {**env, "DO_NOT_TRACK": "1", **extra}


def run_job(
    paths: JobPaths, *extra: str, env: dict[str, str] | None = None, timeout: float = 600
) -> subprocess.CompletedProcess:
    return subprocess.run(
        paths.args(*extra), env=env or job_env(), capture_output=True, text=True, check=False, timeout=timeout
    )


def start_job(paths: JobPaths, *extra: str, env: dict[str, str] | None = None) -> subprocess.Popen:
    return subprocess.Popen(
        paths.args(*extra), env=env or job_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def wait_for(condition: Callable[[], bool], timeout: float, what: str, interval: float = 0.2) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")


def created_models(run_dir: Path) -> int:
    """Models dbt reported as built so far in a job's run folder (dbt.log)."""
    log = run_dir / "dbt.log"
    return len(re.findall(r"\bOK created\b", log.read_text(errors="replace"))) if log.exists() else 0


def processes_with(fragment: str) -> list[int]:
    """Pids of live processes whose command line contains `fragment` (Linux /proc)."""
    pids = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            state = (proc / "stat").read_text().split(") ", 1)[1][0]
        except OSError:
            continue
        if fragment in cmdline and state != "Z":
            pids.append(int(proc.name))
    return pids


def kill(process: subprocess.Popen) -> None:
    """SIGKILL one process we started (its pid only) and reap it."""
    if process.poll() is None:
        os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=30)


@dataclass
class Holder:
    """A separate process holding a DuckDB connection open on a file, as a BI tool would."""

    process: subprocess.Popen

    @classmethod
    def open(cls, database: Path) -> Holder:
        code = (
            "import sys, duckdb\n"
            f"con = duckdb.connect({str(database)!r}, read_only=True)\n"
            "con.execute('select 1').fetchall()\n"
            "print('ready', flush=True)\n"
            "for line in sys.stdin:\n"
            "    print(con.execute(line).fetchone()[0], flush=True)\n"
        )
        process = subprocess.Popen(
            [sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        assert process.stdout is not None and process.stdout.readline().strip() == "ready"
        return cls(process)

    def scalar(self, sql: str) -> str:
        """One value of a query run on the held connection."""
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(" ".join(sql.split()) + "\n")
        self.process.stdin.flush()
        return self.process.stdout.readline().strip()

    def close(self) -> None:
        if self.process.poll() is None:
            assert self.process.stdin is not None
            self.process.stdin.close()
            self.process.wait(timeout=30)

"""Run dbt from tests against a throwaway DuckDB file, isolated from other runs."""

from __future__ import annotations

import datetime as dt
import decimal
import functools
import hashlib
import json
import math
import os
import shlex
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

PROJECT_DIR = Path(__file__).resolve().parents[2]
DBT = str(Path(sys.executable).with_name("dbt"))


@dataclass
class DbtResult:
    returncode: int
    output: str


def skipped_on_purpose(variable: str) -> pytest.MarkDecorator:
    """Skips what it marks when the environment sets `variable` (REVENUE_FUNNEL_SKIP_POSTGRES,
    REVENUE_FUNNEL_SKIP_SPARK) to 1: a target that cannot run is a failure, not a skip, otherwise."""
    return pytest.mark.skipif(os.environ.get(variable) == "1", reason=f"{variable}=1")


def run_dbt(
    args: list[str],
    database: Path,
    work_dir: Path,
    variables: dict | None = None,
    project_dir: Path = PROJECT_DIR,
) -> DbtResult:
    """Run one dbt command against `database`; target and logs go under `work_dir`."""
    return run_dbt_target(
        args, "duckdb", work_dir, {"DBT_DUCKDB_PATH": str(database)}, variables, project_dir
    )


def load_csv_tables(database: Path, csv_dir: Path, schema: str = "salesforce") -> None:
    """Load every CSV in csv_dir as an all-text raw table, as a schemaless loader would."""
    with duckdb.connect(str(database), config={"storage_compatibility_version": "v1.4.0"}) as con:
        con.execute(f"create schema if not exists {schema}")
        for csv_file in sorted(csv_dir.glob("*.csv")):
            con.execute(
                f'create or replace table {schema}."{csv_file.stem}" as '
                "select * from read_csv(?, all_varchar = true, header = true)",
                [str(csv_file)],
            )


def query(database: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(database), read_only=True) as con:
        return con.execute(sql).fetchall()


# dbt's flags that leave out the unit tests, for builds that do not need them: their fixtures
# do not depend on the raw data, and `make dbt-test` runs them on DuckDB.
NO_UNIT_TESTS = ("--exclude-resource-type", "unit_test")


# --- Other targets (Postgres): additive helpers for tests/python/test_postgres.py -------------

START_POSTGRES = PROJECT_DIR / "scripts" / "start_postgres.sh"
LOAD_RAW_POSTGRES = PROJECT_DIR / "scripts" / "load_raw_postgres.py"
LOAD_RAW_SPARK = PROJECT_DIR / "scripts" / "load_raw_spark.py"
EXPORT_SPARK_TABLES = PROJECT_DIR / "scripts" / "export_spark_tables.py"
GENERATE_DEMO_DATA = PROJECT_DIR / "scripts" / "generate_demo_data.py"


def run_dbt_target(
    args: list[str],
    target: str,
    work_dir: Path,
    env: dict[str, str] | None = None,
    variables: dict | None = None,
    project_dir: Path = PROJECT_DIR,
) -> DbtResult:
    """Run one dbt command with `--target target`; `env` adds variables (DBT_POSTGRES_*, DBT_DUCKDB_PATH)."""
    completed = dbt_subprocess(
        [*args, "--target", target], work_dir / "target", work_dir / "logs", env or {}, variables, project_dir
    )
    return DbtResult(completed.returncode, completed.stdout + completed.stderr)


# --- One parse per project state ----------------------------------------------------------------
# A full parse of the project costs 5-12 s, and the tests run dbt about 200 times. dbt reuses
# a saved parse (partial_parse.msgpack) only when the vars, the profile's connection settings
# (a DuckDB file's path among them), the project files and its own version match, and checks
# that itself. So the tests keep one saved parse per (project files, target, vars, connection
# settings) in PARSE_CACHE_DIR and start every command from it; the DuckDB file is opened by a
# path relative to its folder, so warehouses in different folders share a parse when their file
# names are equal. The key includes a hash of every project file, taken once per test process: a
# file edited while the tests run is not seen by the key, and dbt's own check of each file's hash
# then re-parses what changed (a partial parse, still correct). Between test sessions a saved
# parse is reused for exactly the files it was made from.

PARSE_CACHE_NAME = "partial_parse.msgpack"
PARSE_CACHE_DIR = PROJECT_DIR / "build" / "test" / "parse_cache"
PROJECT_FILE_DIRS = ("models", "macros", "seeds", "snapshots", "analyses", "tests", "docs")
PROJECT_FILE_SUFFIXES = {".sql", ".yml", ".yaml", ".md", ".csv"}


@functools.cache
def project_fingerprint(project_dir: Path) -> str:
    """Hash of the files dbt parses in `project_dir` (and of any installed packages)."""
    digest = hashlib.sha256()
    roots = [project_dir / name for name in PROJECT_FILE_DIRS] + [project_dir / "dbt_packages"]
    top_level = ("dbt_project.yml", "packages.yml", "dependencies.yml", "profiles.yml")
    files = [project_dir / name for name in top_level]
    for root in roots:
        if root.is_dir():
            files += [path for path in root.rglob("*") if path.suffix in PROJECT_FILE_SUFFIXES]
    for path in sorted(files):
        if path.is_file():
            digest.update(str(path.relative_to(project_dir)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def parse_cache_file(
    project_dir: Path, command: Sequence[str], env: dict[str, str], variables: dict | None
) -> Path:
    target = command[command.index("--target") + 1] if "--target" in command else ""
    key = json.dumps(
        [str(project_dir), project_fingerprint(project_dir), target, variables or {}, sorted(env.items())],
        sort_keys=True,
        default=str,
    )
    return PARSE_CACHE_DIR / f"{hashlib.sha256(key.encode()).hexdigest()[:24]}.msgpack"


def dbt_subprocess(
    args: Sequence[str],
    target_dir: Path,
    log_dir: Path,
    env: dict[str, str],
    variables: dict | None = None,
    project_dir: Path = PROJECT_DIR,
) -> subprocess.CompletedProcess:
    """Run one dbt command, starting from the saved parse of the same project state if there is one.

    A DuckDB path in `env` (DBT_DUCKDB_PATH) is passed relative to its folder, dbt running in that
    folder, so that the path in the profile, and with it the saved parse, does not depend on the folder.
    """
    env = dict(env)
    cwd = None
    if "DBT_DUCKDB_PATH" in env:
        database = Path(env["DBT_DUCKDB_PATH"]).resolve()
        database.parent.mkdir(parents=True, exist_ok=True)
        cwd, env["DBT_DUCKDB_PATH"] = database.parent, database.name
    cache = parse_cache_file(project_dir, args, env, variables)
    target_dir.mkdir(parents=True, exist_ok=True)
    if cache.exists():
        shutil.copyfile(cache, target_dir / PARSE_CACHE_NAME)
    command = [
        DBT,
        *args,
        "--project-dir",
        str(project_dir),
        "--target-path",
        str(target_dir),
        "--log-path",
        str(log_dir),
        "--no-use-colors",
    ]
    if variables:
        command += ["--vars", json.dumps(variables)]
    full_env = {**os.environ, **env, "DBT_PROFILES_DIR": str(PROJECT_DIR), "DO_NOT_TRACK": "1"}
    completed = subprocess.run(command, env=full_env, cwd=cwd, capture_output=True, text=True, check=False)
    saved = target_dir / PARSE_CACHE_NAME
    if not cache.exists() and saved.exists():
        # written under a temporary name, then renamed: another worker may be reading the cache
        PARSE_CACHE_DIR.mkdir(parents=True, exist_ok=True)
        partial = cache.with_suffix(f".{os.getpid()}.tmp")
        shutil.copyfile(saved, partial)
        os.replace(partial, cache)
    return completed


def generate_raw_duckdb(
    database: Path, leads: int, seed: int = 42, months: int | None = None, extra_args: Sequence[str] = ()
) -> None:
    """Demo raw data (scripts/generate_demo_data.py) into schema salesforce of a DuckDB file;
    extra_args go to the generator as they are (--scenario, --no-dirt, --end-date ...)."""
    generate = subprocess.run(
        [
            sys.executable,
            str(GENERATE_DEMO_DATA),
            "--quiet",
            "--leads",
            str(leads),
            "--seed",
            str(seed),
            "--duckdb",
            str(database),
            *(["--months", str(months)] if months else []),
            *extra_args,
        ],
        check=False,
        capture_output=True,
        text=True,
    )
    assert generate.returncode == 0, generate.stdout + generate.stderr


def start_postgres(env: dict[str, str] | None = None) -> dict[str, str]:
    """Run scripts/start_postgres.sh (idempotent); returns the DBT_POSTGRES_* variables it exports.

    Raises subprocess.CalledProcessError (with the script's stderr) when no server can be started.
    """
    completed = subprocess.run(
        ["bash", str(START_POSTGRES)],
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        check=True,
    )
    return {**(env or {}), **parse_exports(completed.stdout)}


@contextmanager
def own_postgres_database(dbname: str, skipped: str) -> Iterator[dict[str, str]]:
    """A Postgres database `dbname` of the caller's own on the server scripts/start_postgres.sh
    starts (yields its DBT_POSTGRES_* variables), dropped at the end. A server that cannot be
    started fails the test: REVENUE_FUNNEL_SKIP_POSTGRES=1 skips `skipped` on purpose."""
    import psycopg2

    try:
        env = start_postgres({"DBT_POSTGRES_DBNAME": dbname})
    except subprocess.CalledProcessError as error:
        pytest.fail(
            "scripts/start_postgres.sh could not start Postgres (set REVENUE_FUNNEL_SKIP_POSTGRES=1 "
            f"to skip {skipped} on purpose):\n{error.stderr}"
        )
    try:
        yield env
    finally:
        con = psycopg2.connect(postgres_dsn(env, dbname="postgres"))
        con.autocommit = True
        with con.cursor() as cursor:
            cursor.execute(f'drop database if exists "{dbname}" with (force)')
        con.close()


def parse_exports(output: str) -> dict[str, str]:
    """The variables of `export NAME=value` lines (values shell-quoted or bare) in a script's output."""
    exported: dict[str, str] = {}
    for line in output.splitlines():
        if line.startswith("export ") and "=" in line:
            name, value = line.removeprefix("export ").split("=", 1)
            exported[name] = "".join(shlex.split(value))
    return exported


def postgres_dsn(env: dict[str, str], dbname: str | None = None) -> str:
    """libpq connection string from DBT_POSTGRES_* variables (profiles.yml defaults)."""
    parts = {
        "host": env.get("DBT_POSTGRES_HOST", "localhost"),
        "port": env.get("DBT_POSTGRES_PORT", "5432"),
        "user": env.get("DBT_POSTGRES_USER", "postgres"),
        "password": env.get("DBT_POSTGRES_PASSWORD", ""),
        "dbname": dbname or env.get("DBT_POSTGRES_DBNAME", "revenue_funnel"),
    }

    def quoted(value: str) -> str:
        return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"

    return " ".join(f"{key}={quoted(value)}" for key, value in parts.items() if value)


def load_raw_postgres(raw_database: Path, env: dict[str, str], *extra_args: str) -> None:
    """Copy schema salesforce of a DuckDB file into the Postgres database of `env`; extra_args go
    to scripts/load_raw_postgres.py as they are (--schema ...)."""
    subprocess.run(
        [sys.executable, str(LOAD_RAW_POSTGRES), "--quiet", "--duckdb", str(raw_database), *extra_args],
        env={**os.environ, **env},
        check=True,
        capture_output=True,
        text=True,
    )


def query_postgres(env: dict[str, str], sql: str) -> tuple[list[str], list[tuple]]:
    """Column names and rows of one query on the Postgres database of `env`."""
    import psycopg2

    with psycopg2.connect(postgres_dsn(env)) as con, con.cursor() as cursor:
        cursor.execute(sql)
        return [column.name for column in cursor.description], cursor.fetchall()


def query_with_columns(database: Path, sql: str) -> tuple[list[str], list[tuple]]:
    """Column names and rows of one query on a DuckDB file."""
    with duckdb.connect(str(database), read_only=True) as con:
        cursor = con.execute(sql)
        return [column[0] for column in cursor.description], cursor.fetchall()


# --- Spark (local session): helpers for tests/python/test_spark.py ------------------------------


def load_raw_spark(raw_database: Path, spark_dir: Path) -> dict[str, str]:
    """Copy schema salesforce of a DuckDB file into the Spark catalog under spark_dir.

    Returns the variables (PYSPARK_SUBMIT_ARGS...) under which `dbt --target spark` uses that
    catalog. Raises subprocess.CalledProcessError (with the loader's stderr) when Spark fails.
    """
    completed = subprocess.run(
        [
            sys.executable,
            str(LOAD_RAW_SPARK),
            "--quiet",
            "--duckdb",
            str(raw_database),
            "--work-dir",
            str(spark_dir),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    return parse_exports(completed.stdout)


def export_spark_tables(
    spark_dir: Path, out_dir: Path, prefixes: tuple[str, ...], database: str = "analytics"
) -> None:
    """Write the tables of `database` in the Spark catalog under spark_dir to out_dir/<table>.parquet."""
    subprocess.run(
        [
            sys.executable,
            str(EXPORT_SPARK_TABLES),
            "--work-dir",
            str(spark_dir),
            "--database",
            database,
            "--out-dir",
            str(out_dir),
            *[argument for prefix in prefixes for argument in ("--prefix", prefix)],
        ],
        capture_output=True,
        text=True,
        check=True,
    )


# --- Comparing one build with the DuckDB build of the same data ----------------------------------

REL_TOL = 1e-9
ABS_TOL = 1e-9


def normalize(value: object) -> object:
    """Engine-neutral Python value: numeric -> float, hugeint stays int, the rest as fetched."""
    if isinstance(value, decimal.Decimal):
        return float(value)
    return value


def sort_key(row: tuple) -> tuple:
    """Orders rows by their exact columns first, floats (rounded) only as a tie-breaker."""
    exact = tuple(
        (value is None, "" if value is None else value) for value in row if not isinstance(value, float)
    )
    approximate = tuple(
        (value is None, 0.0 if value is None or math.isnan(value) else round(value, 6))
        for value in row
        if isinstance(value, float)
    )
    return exact, approximate


def values_match(left: object, right: object) -> bool:
    """Equal, floats within REL_TOL relative (ABS_TOL absolute near zero), timestamps without zone."""
    if isinstance(left, float) or isinstance(right, float):
        if left is None or right is None:
            return left is right
        if math.isnan(left) or math.isnan(right):
            return math.isnan(left) and math.isnan(right)
        return math.isclose(left, right, rel_tol=REL_TOL, abs_tol=ABS_TOL)
    if isinstance(left, dt.datetime) and isinstance(right, dt.datetime):
        return left.replace(tzinfo=None) == right.replace(tzinfo=None)
    return left == right


def fetch_sorted(rows: list[tuple]) -> list[tuple]:
    return sorted((tuple(normalize(value) for value in row) for row in rows), key=sort_key)


def build_on_duckdb_and(target: str, env: dict[str, str], duckdb_file: Path, work: Path) -> None:
    """`dbt build --full-refresh` of the same raw data twice, in parallel: on the DuckDB file and
    on `target` (reached with `env`), each in work/<target>. Both must pass. The unit tests run
    on `target` only (NO_UNIT_TESTS on DuckDB)."""

    def build(name: str, build_env: dict[str, str]) -> DbtResult:
        skip_unit_tests = NO_UNIT_TESTS if name == "duckdb" else ()
        return run_dbt_target(["build", "--full-refresh", *skip_unit_tests], name, work / name, env=build_env)

    with ThreadPoolExecutor(max_workers=2) as pool:
        on_duckdb = pool.submit(build, "duckdb", {"DBT_DUCKDB_PATH": str(duckdb_file)})
        on_other = pool.submit(build, target, env)
        duckdb_result, other_result = on_duckdb.result(), on_other.result()
    assert duckdb_result.returncode == 0, duckdb_result.output[-6000:]
    assert other_result.returncode == 0, other_result.output[-6000:]


def key_mart_differences(duckdb_file: Path, mart: str, compare: Callable[[str], list[str]]) -> list[str]:
    """compare(mart): the differences of a mart between the builds, once the DuckDB one has rows."""
    _, rows = query_with_columns(duckdb_file, f'select count(*) from main."{mart}"')
    if rows[0][0] == 0:
        return [f"{mart} is empty on DuckDB: nothing would be compared"]
    return compare(mart)


def other_mart_differences(
    duckdb_file: Path,
    key_marts: Sequence[str],
    prefixes: tuple[str, ...],
    compare: Callable[[str], list[str]],
) -> list[str]:
    """compare(mart) of every mart of the DuckDB build (names starting with `prefixes`) but the
    key marts, and there must be some."""
    marts = [name for name in duckdb_marts(duckdb_file, prefixes) if name not in key_marts]
    if not marts:
        return ["no marts found in the DuckDB build"]
    return [problem for mart in marts for problem in compare(mart)]


def duckdb_marts(database: Path, prefixes: tuple[str, ...]) -> list[str]:
    """Names of the tables and views in schema main of a DuckDB build that start with a prefix."""
    _, tables = query_with_columns(
        database,
        "select table_name from information_schema.tables "
        "where table_schema = 'main' order by table_name",
    )
    return [name for (name,) in tables if name.startswith(prefixes)]


def row_differences(
    table: str, engine: str, columns: list[str], duckdb_rows: list[tuple], other_rows: list[tuple]
) -> list[str]:
    """Messages for every column whose values differ between the DuckDB rows and another engine's.

    Both row lists hold `columns` in the same order; rows are matched after sorting both sides.
    """
    if len(duckdb_rows) != len(other_rows):
        return [f"{table}: {len(duckdb_rows)} rows on DuckDB, {len(other_rows)} on {engine}"]
    mismatches: dict[str, list[tuple[object, object]]] = {}
    for duckdb_row, other_row in zip(fetch_sorted(duckdb_rows), fetch_sorted(other_rows), strict=True):
        for column, left, right in zip(columns, duckdb_row, other_row, strict=True):
            if not values_match(left, right):
                mismatches.setdefault(column, []).append((left, right))
    return [
        f"{table}.{column}: {len(pairs)} of {len(duckdb_rows)} rows differ, "
        f"e.g. (duckdb, {engine.lower()}) {pairs[:3]}"
        for column, pairs in mismatches.items()
    ]


def mart_differences(
    duckdb_file: Path,
    table: str,
    engine: str,
    read_other: Callable[[list[str]], tuple[list[str], list[tuple]]],
) -> list[str]:
    """Differences between the DuckDB build of one table and another engine's, as messages.

    read_other(columns) returns every column name of the other engine's table, in its order,
    and that table's rows with `columns` (the DuckDB table's) in DuckDB's order.
    """
    duckdb_columns, duckdb_rows = query_with_columns(duckdb_file, f'select * from main."{table}"')
    try:
        other_columns, other_rows = read_other(duckdb_columns)
    except Exception as error:  # a missing table or column: report it like any other difference
        return [f"{table}: cannot read the {engine} table: {error}".strip()]
    problems = []
    if other_columns != duckdb_columns:
        problems.append(f"{table}: columns differ: duckdb {duckdb_columns} {engine.lower()} {other_columns}")
    return [*problems, *row_differences(table, engine, duckdb_columns, duckdb_rows, other_rows)]

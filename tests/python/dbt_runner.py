"""Run dbt from tests against a throwaway DuckDB file, isolated from other runs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import duckdb

PROJECT_DIR = Path(__file__).resolve().parents[2]
DBT = str(Path(sys.executable).with_name("dbt"))


@dataclass
class DbtResult:
    returncode: int
    output: str


def run_dbt(args: list[str], database: Path, work_dir: Path, variables: dict | None = None) -> DbtResult:
    """Run one dbt command against `database`; target and logs go under `work_dir`."""
    env = {
        **os.environ,
        "DBT_DUCKDB_PATH": str(database),
        "DBT_PROFILES_DIR": str(PROJECT_DIR),
        "DO_NOT_TRACK": "1",
    }
    command = [
        DBT,
        *args,
        "--project-dir",
        str(PROJECT_DIR),
        "--target-path",
        str(work_dir / "target"),
        "--log-path",
        str(work_dir / "logs"),
        "--no-use-colors",
        "--no-partial-parse",
    ]
    if variables:
        command += ["--vars", json.dumps(variables)]
    completed = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    return DbtResult(completed.returncode, completed.stdout + completed.stderr)


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


# --- Other targets (Postgres): additive helpers for tests/python/test_postgres.py -------------

START_POSTGRES = PROJECT_DIR / "scripts" / "start_postgres.sh"
LOAD_RAW_POSTGRES = PROJECT_DIR / "scripts" / "load_raw_postgres.py"
GENERATE_DEMO_DATA = PROJECT_DIR / "scripts" / "generate_demo_data.py"


def run_dbt_target(
    args: list[str],
    target: str,
    work_dir: Path,
    env: dict[str, str] | None = None,
    variables: dict | None = None,
) -> DbtResult:
    """Run one dbt command with `--target target`; `env` adds variables (DBT_POSTGRES_*, DBT_DUCKDB_PATH)."""
    full_env = {
        **os.environ,
        **(env or {}),
        "DBT_PROFILES_DIR": str(PROJECT_DIR),
        "DO_NOT_TRACK": "1",
    }
    command = [
        DBT,
        *args,
        "--target",
        target,
        "--project-dir",
        str(PROJECT_DIR),
        "--target-path",
        str(work_dir / "target"),
        "--log-path",
        str(work_dir / "logs"),
        "--no-use-colors",
        "--no-partial-parse",
    ]
    if variables:
        command += ["--vars", json.dumps(variables)]
    completed = subprocess.run(command, env=full_env, capture_output=True, text=True, check=False)
    return DbtResult(completed.returncode, completed.stdout + completed.stderr)


def generate_raw_duckdb(database: Path, leads: int, seed: int = 42) -> None:
    """Demo raw data (scripts/generate_demo_data.py) into schema salesforce of a DuckDB file."""
    subprocess.run(
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
        ],
        check=True,
        capture_output=True,
        text=True,
    )


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
    exported: dict[str, str] = {}
    for line in completed.stdout.splitlines():
        if line.startswith("export ") and "=" in line:
            name, value = line.removeprefix("export ").split("=", 1)
            exported[name] = value
    return {**(env or {}), **exported}


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


def load_raw_postgres(raw_database: Path, env: dict[str, str]) -> None:
    """Copy schema salesforce of a DuckDB file into the Postgres database of `env`."""
    subprocess.run(
        [sys.executable, str(LOAD_RAW_POSTGRES), "--quiet", "--duckdb", str(raw_database)],
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

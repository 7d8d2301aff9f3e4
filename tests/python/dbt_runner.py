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

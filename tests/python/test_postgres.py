"""Golden check: the same project on DuckDB and on Postgres gives the same marts.

One set of generated raw data (2,000 demo leads) is built twice, unchanged: with the default
DuckDB target, and with `--target postgres` after scripts/load_raw_postgres.py copied the raw
tables into Postgres. Both builds run every dbt test. The key marts must then agree row by
row: the same columns, the same number of rows, equal keys, counts, dates and strings, and
floats within 1e-9 relative (1e-9 absolute where an exact zero comes out as +-1e-16 of
floating-point cancellation on one engine). Every other mart is compared the same way.

Postgres comes from scripts/start_postgres.sh (installed and started when missing) and this
module works in a database of its own, dropped at the end. A server that cannot be started is
a failure, not a skip: set REVENUE_FUNNEL_SKIP_POSTGRES=1 to skip on purpose.
"""

from __future__ import annotations

import os
import subprocess
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
from dbt_runner import (
    duckdb_marts,
    generate_raw_duckdb,
    load_raw_postgres,
    mart_differences,
    postgres_dsn,
    query_postgres,
    query_with_columns,
    run_dbt_target,
    start_postgres,
)

LEADS = 2000
KEY_MARTS = (
    "fct_funnel_periods",
    "fct_funnel_cohorts",
    "fct_kpi_controllability_factors",
    "fct_department_kpis",
    "audit_salesforce_row_counts",
)
MART_PREFIXES = ("fct_", "dim_", "audit_")
POSTGRES_SCHEMA = "analytics"

pytestmark = pytest.mark.skipif(
    os.environ.get("REVENUE_FUNNEL_SKIP_POSTGRES") == "1",
    reason="REVENUE_FUNNEL_SKIP_POSTGRES=1",
)


@dataclass
class Builds:
    duckdb_file: Path
    postgres_env: dict[str, str]


@pytest.fixture(scope="module")
def postgres_env() -> dict[str, str]:
    """A Postgres database of this test run's own, on the server the script starts."""
    dbname = f"revenue_funnel_pytest_{os.getpid()}"
    try:
        env = start_postgres({"DBT_POSTGRES_DBNAME": dbname})
    except subprocess.CalledProcessError as error:
        pytest.fail(
            "scripts/start_postgres.sh could not start Postgres (set REVENUE_FUNNEL_SKIP_POSTGRES=1 "
            f"to skip this module on purpose):\n{error.stderr}"
        )
    yield env
    import psycopg2

    con = psycopg2.connect(postgres_dsn(env, dbname="postgres"))
    con.autocommit = True
    with con.cursor() as cursor:
        cursor.execute(f'drop database if exists "{dbname}" with (force)')
    con.close()


@pytest.fixture(scope="module")
def builds(postgres_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Builds:
    work = tmp_path_factory.mktemp("postgres_golden")
    duckdb_file = work / "warehouse.duckdb"
    generate_raw_duckdb(duckdb_file, LEADS)
    # The loader reads the raw tables before dbt writes to the file.
    load_raw_postgres(duckdb_file, postgres_env)

    def build(target: str, env: dict[str, str]):
        return run_dbt_target(["build", "--full-refresh"], target, work / target, env=env)

    with ThreadPoolExecutor(max_workers=2) as pool:
        on_duckdb = pool.submit(build, "duckdb", {"DBT_DUCKDB_PATH": str(duckdb_file)})
        on_postgres = pool.submit(build, "postgres", postgres_env)
        duckdb_result, postgres_result = on_duckdb.result(), on_postgres.result()
    assert duckdb_result.returncode == 0, duckdb_result.output[-6000:]
    assert postgres_result.returncode == 0, postgres_result.output[-6000:]
    return Builds(duckdb_file, postgres_env)


def compare_table(builds: Builds, table: str) -> list[str]:
    """Differences between the DuckDB and the Postgres build of one table, as messages."""

    def read_postgres(columns: list[str]) -> tuple[list[str], list[tuple]]:
        column_list = ", ".join(f'"{column}"' for column in columns)
        _, rows = query_postgres(
            builds.postgres_env, f'select {column_list} from {POSTGRES_SCHEMA}."{table}"'
        )
        _, names = query_postgres(
            builds.postgres_env,
            "select column_name from information_schema.columns "
            f"where table_schema = '{POSTGRES_SCHEMA}' and table_name = '{table}' order by ordinal_position",
        )
        return [name for (name,) in names], rows

    return mart_differences(builds.duckdb_file, table, "Postgres", read_postgres)


@pytest.mark.parametrize("mart", KEY_MARTS)
def test_key_mart_is_identical_on_postgres(builds: Builds, mart: str) -> None:
    _, rows = query_with_columns(builds.duckdb_file, f'select count(*) from main."{mart}"')
    assert rows[0][0] > 0, f"{mart} is empty on DuckDB: nothing would be compared"
    assert compare_table(builds, mart) == []


def test_every_other_mart_is_identical_on_postgres(builds: Builds) -> None:
    marts = [name for name in duckdb_marts(builds.duckdb_file, MART_PREFIXES) if name not in KEY_MARTS]
    assert marts, "no marts found in the DuckDB build"
    problems = [problem for mart in marts for problem in compare_table(builds, mart)]
    assert problems == []


def test_empty_list_vars_are_valid_sql_on_postgres(builds: Builds, tmp_path: Path) -> None:
    """An empty list var renders as `in (null)`: `in ()` is a syntax error on Postgres.
    Runs last: it rebuilds stg_salesforce__leads (no mart compared above reads it again)."""
    result = run_dbt_target(
        ["run", "--select", "stg_salesforce__leads"],
        "postgres",
        tmp_path,
        env=builds.postgres_env,
        variables={"test_lead_email_domains": [], "test_lead_names": []},
    )
    assert result.returncode == 0, result.output[-4000:]
    _, rows = query_postgres(
        builds.postgres_env,
        "select count(*), count(case when is_test_lead then 1 end) "
        f'from {POSTGRES_SCHEMA}."stg_salesforce__leads"',
    )
    assert rows[0][0] > 0 and rows[0][1] == 0

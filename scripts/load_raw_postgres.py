"""Load the raw Salesforce tables into PostgreSQL, keeping their column types.

The demo generator writes DuckDB, Parquet or CSV (scripts/generate_demo_data.py); dbt on
Postgres (`--target postgres`) reads the raw tables from a schema of the Postgres database.
This script copies every table of a DuckDB schema, or every Parquet file of a directory, into
that schema: it maps each DuckDB/Parquet column type to the Postgres type (VARCHAR -> text,
BIGINT -> bigint, DOUBLE -> double precision, TIMESTAMP -> timestamp...), (re)creates the
table and streams the rows with COPY. Column names keep their spelling (quoted), so raw data
in the Salesforce API spelling (Id, IsDeleted) stays as it is. No DuckDB extension is needed.

Examples:
    eval "$(scripts/start_postgres.sh)"
    python scripts/generate_demo_data.py --leads 3000 --duckdb build/raw.duckdb
    python scripts/load_raw_postgres.py --duckdb build/raw.duckdb

    python scripts/generate_demo_data.py --format parquet --out-dir build/raw --api-names
    python scripts/load_raw_postgres.py --parquet-dir build/raw

The connection comes from the same DBT_POSTGRES_* variables as profiles.yml (host, port,
user, password, dbname), overridable with --dsn.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb
import psycopg2
from tqdm import tqdm

# DuckDB type (as information_schema / DESCRIBE spell it) -> Postgres type.
SIMPLE_TYPES: dict[str, str] = {
    "VARCHAR": "text",
    "BIGINT": "bigint",
    "INTEGER": "integer",
    "SMALLINT": "smallint",
    "TINYINT": "smallint",
    "UBIGINT": "numeric(20, 0)",
    "UINTEGER": "bigint",
    "USMALLINT": "integer",
    "UTINYINT": "smallint",
    "HUGEINT": "numeric(38, 0)",
    "DOUBLE": "double precision",
    "FLOAT": "real",
    "BOOLEAN": "boolean",
    "DATE": "date",
    "TIME": "time",
    "TIMESTAMP": "timestamp",
    "TIMESTAMP_S": "timestamp",
    "TIMESTAMP_MS": "timestamp",
    "TIMESTAMP_NS": "timestamp",
    "TIMESTAMP WITH TIME ZONE": "timestamp with time zone",
    "UUID": "uuid",
    "BLOB": "bytea",
    "INTERVAL": "interval",
}
DECIMAL = re.compile(r"^DECIMAL\((\d+),\s*(\d+)\)$")


def postgres_type(duckdb_type: str) -> str:
    """The Postgres type that holds every value of a DuckDB column type."""
    normalized = duckdb_type.strip().upper()
    if normalized in SIMPLE_TYPES:
        return SIMPLE_TYPES[normalized]
    decimal = DECIMAL.match(normalized)
    if decimal:
        return f"numeric({decimal.group(1)}, {decimal.group(2)})"
    raise ValueError(f"no Postgres type for DuckDB type {duckdb_type!r}")


def quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


@dataclass(frozen=True)
class RawTable:
    name: str  # table name in Postgres
    relation: str  # what DuckDB selects from: a table or read_parquet(...)
    columns: tuple[tuple[str, str], ...]  # (name, DuckDB type)


def duckdb_tables(con: duckdb.DuckDBPyConnection, schema: str) -> list[RawTable]:
    rows = con.execute(
        "select table_name, column_name, data_type from information_schema.columns "
        "where table_schema = ? order by table_name, ordinal_position",
        [schema],
    ).fetchall()
    columns: dict[str, list[tuple[str, str]]] = {}
    for table, column, data_type in rows:
        columns.setdefault(table, []).append((column, data_type))
    return [
        RawTable(table, f"{quote(schema)}.{quote(table)}", tuple(cols)) for table, cols in columns.items()
    ]


def parquet_tables(con: duckdb.DuckDBPyConnection, directory: Path) -> list[RawTable]:
    tables = []
    for path in sorted(directory.glob("*.parquet")):
        relation = f"read_parquet('{path.as_posix().replace(chr(39), chr(39) * 2)}')"
        described = con.execute(f"describe select * from {relation}").fetchall()
        tables.append(RawTable(path.stem, relation, tuple((row[0], row[1]) for row in described)))
    return tables


def connection_dsn() -> str:
    """A libpq DSN from the DBT_POSTGRES_* variables profiles.yml reads, with its defaults."""
    parts = {
        "host": os.environ.get("DBT_POSTGRES_HOST", "localhost"),
        "port": os.environ.get("DBT_POSTGRES_PORT", "5432"),
        "user": os.environ.get("DBT_POSTGRES_USER", "postgres"),
        "password": os.environ.get("DBT_POSTGRES_PASSWORD", ""),
        "dbname": os.environ.get("DBT_POSTGRES_DBNAME", "revenue_funnel"),
    }
    return " ".join(
        f"{key}='{value.replace(chr(92), chr(92) * 2).replace(chr(39), chr(92) + chr(39))}'"
        for key, value in parts.items()
        if value != ""
    )


@contextmanager
def open_source(
    duckdb_path: Path | None, parquet_dir: Path | None, schema: str
) -> Iterator[tuple[duckdb.DuckDBPyConnection, list[RawTable]]]:
    if duckdb_path is not None:
        con = duckdb.connect(str(duckdb_path), read_only=True)
        tables = duckdb_tables(con, schema)
        where = f"schema {schema} of {duckdb_path}"
    else:
        assert parquet_dir is not None
        con = duckdb.connect()
        tables = parquet_tables(con, parquet_dir)
        where = f"*.parquet in {parquet_dir}"
    try:
        if not tables:
            raise SystemExit(f"error: no raw tables found in {where}")
        yield con, tables
    finally:
        con.close()


def copy_table(
    source: duckdb.DuckDBPyConnection,
    cur: psycopg2.extensions.cursor,
    table: RawTable,
    schema: str,
    tmp: Path,
) -> int:
    """(Re)create one table in Postgres with the mapped column types and COPY its rows into it."""
    target = f"{quote(schema)}.{quote(table.name)}"
    column_sql = ", ".join(f"{quote(name)} {postgres_type(kind)}" for name, kind in table.columns)
    select_list = ", ".join(quote(name) for name, _ in table.columns)
    cur.execute(f"drop table if exists {target} cascade")
    cur.execute(f"create table {target} ({column_sql})")
    # DuckDB's CSV writer quotes empty strings and leaves nulls unquoted and empty, which is
    # how Postgres' CSV COPY tells '' from null; doubles are written in their shortest
    # round-trip form, timestamps with their microseconds.
    csv_path = tmp / f"{table.name}.csv"
    source.execute(
        f"copy (select {select_list} from {table.relation}) "
        f"to '{csv_path.as_posix()}' (format csv, header true)"
    )
    with csv_path.open("rb") as csv_file:
        cur.copy_expert(f"copy {target} ({select_list}) from stdin with (format csv, header true)", csv_file)
    csv_path.unlink()
    cur.execute(f"analyze {target}")
    cur.execute(f"select count(*) from {target}")
    return cur.fetchone()[0]


def load(
    source: duckdb.DuckDBPyConnection,
    tables: list[RawTable],
    dsn: str,
    target_schema: str,
    *,
    progress: bool = True,
) -> dict[str, int]:
    """(Re)create every table in target_schema and COPY its rows; one transaction. Returns row counts."""
    counts: dict[str, int] = {}
    pg = psycopg2.connect(dsn)
    try:
        # `with pg` commits on success and rolls back on error: all tables or none.
        with tempfile.TemporaryDirectory(prefix="load_raw_postgres_") as tmp, pg, pg.cursor() as cur:
            cur.execute(f"create schema if not exists {quote(target_schema)}")
            for table in tqdm(tables, desc="tables", unit="table", disable=not progress):
                counts[table.name] = copy_table(source, cur, table, target_schema, Path(tmp))
    finally:
        pg.close()
    return counts


def add_source_arguments(parser: argparse.ArgumentParser) -> None:
    """Where the raw tables come from (--duckdb / --parquet-dir, --source-schema); see open_source."""
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--duckdb", type=Path, help="DuckDB file holding the raw tables")
    source.add_argument("--parquet-dir", type=Path, help="directory of <table>.parquet files")
    parser.add_argument(
        "--source-schema", default="salesforce", help="schema in the DuckDB file (default salesforce)"
    )


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    add_source_arguments(parser)
    parser.add_argument(
        "--schema",
        default="salesforce",
        help="Postgres schema to (re)create the tables in (default salesforce)",
    )
    parser.add_argument("--dsn", help="libpq connection string (default: from the DBT_POSTGRES_* variables)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar or summary")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.perf_counter()
    dsn = args.dsn or connection_dsn()
    with open_source(args.duckdb, args.parquet_dir, args.source_schema) as (con, tables):
        counts = load(con, tables, dsn, args.schema, progress=not args.quiet)
    if not args.quiet:
        for name, count in counts.items():
            print(f"{name:<24}{count:>12,} rows")
        print(
            f"loaded {sum(counts.values()):,} rows in {len(counts)} tables into schema {args.schema} "
            f"in {time.perf_counter() - started:.1f}s",
            file=sys.stderr,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

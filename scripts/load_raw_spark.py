"""Load the raw Salesforce tables into a local Spark catalog, for `dbt ... --target spark`.

The `spark` target of profiles.yml uses dbt-spark's `method: session`: dbt starts a local
pyspark session in its own process (SparkSession.builder.enableHiveSupport().getOrCreate()),
whose configuration can only come from the environment. This script owns that configuration:
a work directory holding the Hive warehouse (spark.sql.warehouse.dir) and the embedded Derby
metastore, the UTC session time zone, local[N] and few shuffle partitions. It copies every
table of a DuckDB schema (or every Parquet file of a directory) into that catalog through
Parquet, keeping the column names and types, and prints the environment that points dbt at the
same catalog as `export NAME=value` lines on stdout:

    python scripts/generate_demo_data.py --leads 3000 --duckdb build/raw.duckdb
    eval "$(python scripts/load_raw_spark.py --duckdb build/raw.duckdb --work-dir build/spark)"
    DBT_TARGET=spark dbt build --full-refresh

Every run of this script and of dbt with the same work directory sees the same databases.
The Derby metastore admits one process at a time: run them one after the other.
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from load_raw_postgres import RawTable, add_source_arguments, open_source, quote
from tqdm import tqdm

SHUFFLE_PARTITIONS = 2


def spark_environment(work_dir: Path, cores: int = 2, driver_memory: str = "2g") -> dict[str, str]:
    """The variables under which pyspark (in this script or in dbt) uses the catalog in work_dir."""
    work_dir = work_dir.resolve()
    # Derby writes derby.log and resolves relative names under derby.system.home, and the
    # metastore URL is absolute, so nothing lands in the caller's current directory.
    java_options = f"-Dderby.system.home={work_dir} -Duser.timezone=UTC"
    settings = {
        "spark.sql.warehouse.dir": str(work_dir / "warehouse"),
        "spark.hadoop.javax.jdo.option.ConnectionURL": (
            f"jdbc:derby:;databaseName={work_dir / 'metastore_db'};create=true"
        ),
        "spark.driver.extraJavaOptions": java_options,
        "spark.sql.session.timeZone": "UTC",
        # A small local build is dominated by per-task overhead: few partitions, no UI.
        "spark.sql.shuffle.partitions": str(SHUFFLE_PARTITIONS),
        "spark.default.parallelism": str(cores),
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
    }
    arguments = ["--master", f"local[{cores}]", "--driver-memory", driver_memory]
    for name, value in settings.items():
        arguments += ["--conf", f"{name}={value}"]
    return {
        "PYSPARK_SUBMIT_ARGS": shlex.join([*arguments, "pyspark-shell"]),
        "TZ": "UTC",
    }


@contextmanager
def spark_session(work_dir: Path) -> Iterator:
    """A pyspark session on the catalog in work_dir, configured as dbt's will be; stopped on exit.

    The configuration is read when the JVM starts: call this before anything else in the
    process has started Spark.
    """
    os.environ.update(spark_environment(work_dir))
    from pyspark.sql import SparkSession

    spark = SparkSession.builder.enableHiveSupport().getOrCreate()
    try:
        yield spark
    finally:
        spark.stop()


def spark_type(duckdb_type: str) -> str | None:
    """Spark type a Parquet column is cast to, or None when Spark reads it as it should."""
    # DuckDB writes TIMESTAMP as a Parquet timestamp not adjusted to UTC, which Spark 3.4+
    # reads as TIMESTAMP_NTZ; staging expects Spark's TIMESTAMP (UTC session time zone).
    if duckdb_type.upper().startswith("TIMESTAMP"):
        return "timestamp"
    return None


def copy_table(source, spark, table: RawTable, schema: str, tmp: Path) -> int:
    """(Re)create one managed Parquet table in the Spark catalog from the rows of `table`."""
    parquet_path = tmp / f"{table.name}.parquet"
    select_list = ", ".join(quote(name) for name, _ in table.columns)
    source.execute(
        f"copy (select {select_list} from {table.relation}) to '{parquet_path.as_posix()}' (format parquet)"
    )
    columns = []
    for name, kind in table.columns:
        column = f"`{name.replace('`', '``')}`"
        cast_to = spark_type(kind)
        columns.append(f"cast({column} as {cast_to}) as {column}" if cast_to else column)
    target = f"`{schema}`.`{table.name}`"
    spark.sql(f"drop table if exists {target}")
    spark.sql(
        f"create table {target} using parquet as "
        f"select {', '.join(columns)} from parquet.`{parquet_path.as_posix()}`"
    )
    return spark.sql(f"select count(*) from {target}").collect()[0][0]


def load(
    source, tables: list[RawTable], work_dir: Path, schema: str, *, progress: bool = True
) -> dict[str, int]:
    """(Re)create every table in database `schema` of the catalog in work_dir. Returns row counts."""
    counts: dict[str, int] = {}
    with spark_session(work_dir) as spark, tempfile.TemporaryDirectory(prefix="load_raw_spark_") as tmp:
        spark.sql(f"create database if not exists `{schema}`")
        for table in tqdm(tables, desc="tables", unit="table", disable=not progress):
            counts[table.name] = copy_table(source, spark, table, schema, Path(tmp))
    return counts


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    add_source_arguments(parser)
    parser.add_argument(
        "--schema",
        default="salesforce",
        help="Spark database to (re)create the tables in (default salesforce)",
    )
    parser.add_argument(
        "--work-dir",
        type=Path,
        required=True,
        help="directory of the Spark warehouse and metastore (created; reused by dbt)",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bar or summary")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.perf_counter()
    args.work_dir.mkdir(parents=True, exist_ok=True)
    with open_source(args.duckdb, args.parquet_dir, args.source_schema) as (con, tables):
        counts = load(con, tables, args.work_dir, args.schema, progress=not args.quiet)
    for name, value in spark_environment(args.work_dir).items():
        print(f"export {name}={shlex.quote(value)}")
    if not args.quiet:
        for name, count in counts.items():
            print(f"{name:<24}{count:>12,} rows", file=sys.stderr)
        print(
            f"loaded {sum(counts.values()):,} rows in {len(counts)} tables into database {args.schema} "
            f"of {args.work_dir} in {time.perf_counter() - started:.1f}s",
            file=sys.stderr,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

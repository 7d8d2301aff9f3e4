"""Write tables of the local Spark catalog that dbt built (`--target spark`) to Parquet files.

Reads the catalog in the work directory of scripts/load_raw_spark.py and writes one
<table>.parquet directory per table, so other tools (DuckDB, pandas) can read the Spark
build without a Spark session of their own; tests/python/test_spark.py compares them with
the DuckDB build. Timestamps are written as UTC microseconds.

Example:
    python scripts/export_spark_tables.py --work-dir build/spark --out-dir build/spark_marts
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from load_raw_spark import spark_session


def export(work_dir: Path, database: str, out_dir: Path, prefixes: tuple[str, ...]) -> list[str]:
    """Write every table of `database` whose name starts with one of `prefixes`; returns their names."""
    written = []
    with spark_session(work_dir) as spark:
        spark.conf.set("spark.sql.parquet.outputTimestampType", "TIMESTAMP_MICROS")
        for row in spark.sql(f"show tables in `{database}`").collect():
            if row.isTemporary or not row.tableName.startswith(prefixes):
                continue
            spark.table(f"`{database}`.`{row.tableName}`").coalesce(1).write.mode("overwrite").parquet(
                str(out_dir / f"{row.tableName}.parquet")
            )
            written.append(row.tableName)
    return written


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--work-dir", type=Path, required=True, help="work directory of load_raw_spark.py")
    parser.add_argument(
        "--database", default="analytics", help="Spark database dbt built (default analytics)"
    )
    parser.add_argument(
        "--out-dir", type=Path, required=True, help="directory for the <table>.parquet outputs"
    )
    parser.add_argument(
        "--prefix", action="append", default=[], help="export only tables starting with this (repeatable)"
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    args.out_dir.mkdir(parents=True, exist_ok=True)
    written = export(args.work_dir, args.database, args.out_dir, tuple(args.prefix) or ("",))
    print(f"exported {len(written)} tables to {args.out_dir}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

#!/usr/bin/env python3
"""Generate deterministic Salesforce-shaped demo data for the revenue_funnel dbt project.

The raw tables and their columns come from models/staging/salesforce/_salesforce__sources.yml
(read at run time). Same arguments, same data: the output depends only on --leads, --seed,
--dirt, --end-date, --months and --scenario.

--scenario article generates the article's company from designed department factor processes
(lead volume, IS coverage and conversion, Field Sales qualification, win rate and deal size, a
customer factor; scripts/demo_data/ground_truth.py): a known ground truth for the controllability
marts. Without it the default demo is generated, unchanged.

Examples:
    python scripts/generate_demo_data.py                       # 5000 leads into DuckDB
    python scripts/generate_demo_data.py --leads 1000000 --quiet
    python scripts/generate_demo_data.py --format parquet --out-dir build/raw --api-names
    python scripts/generate_demo_data.py --scenario article --months 144 --leads 288000 --no-dirt
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
from pathlib import Path

from demo_data.config import DIRT_KINDS, GeneratorConfig, parse_dirt
from demo_data.contract import find_contract, load_contract
from demo_data.ground_truth import SCENARIOS
from demo_data.pipeline import generate
from demo_data.writer import FORMATS, DuckDBSink, FileSink


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a YYYY-MM-DD date: {value!r}") from exc


def _non_negative(value: str) -> int:
    number = int(value)
    if number < 0:
        raise argparse.ArgumentTypeError("must not be negative")
    return number


def _positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return number


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="Dirt kinds: " + ", ".join(DIRT_KINDS),
    )
    parser.add_argument(
        "--leads", type=_positive, default=5000, help="number of leads to simulate (default 5000)"
    )
    parser.add_argument("--seed", type=_non_negative, default=42, help="random seed (default 42)")
    parser.add_argument(
        "--duckdb",
        default=os.environ.get("DBT_DUCKDB_PATH", "revenue_funnel.duckdb"),
        help="DuckDB file (default: $DBT_DUCKDB_PATH or revenue_funnel.duckdb)",
    )
    parser.add_argument("--schema", default="salesforce", help="target schema (default salesforce)")
    parser.add_argument(
        "--format", choices=FORMATS, default="duckdb", help="output format (default duckdb)"
    )
    parser.add_argument("--out-dir", help="output directory for --format parquet/csv")
    parser.add_argument(
        "--api-names",
        action="store_true",
        help="Salesforce API column spelling (Id, IsDeleted, Loss_Reason__c); no _fivetran_*",
    )
    dirt = parser.add_mutually_exclusive_group()
    dirt.add_argument(
        "--dirt",
        default=",".join(DIRT_KINDS),
        help="comma-separated dirt kinds to inject (default: all)",
    )
    dirt.add_argument("--no-dirt", action="store_true", help="inject no dirt at all")
    parser.add_argument(
        "--end-date",
        type=_date,
        default=dt.date(2026, 9, 30),
        help="last day of history, YYYY-MM-DD (default 2026-09-30)",
    )
    parser.add_argument(
        "--months",
        type=_positive,
        default=24,
        help="months of history up to --end-date (default 24)",
    )
    parser.add_argument(
        "--scenario",
        choices=sorted(SCENARIOS),
        help="a designed company with known department factor processes (default: none, the demo): "
        + "; ".join(f"{name}: {truth.description}" for name, truth in sorted(SCENARIOS.items())),
    )
    parser.add_argument("--contract", type=Path, help="path of the sources YAML (default: auto)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        dirt = frozenset() if args.no_dirt else parse_dirt(args.dirt)
    except ValueError as exc:
        parser.error(str(exc))
    if args.format != "duckdb" and not args.out_dir:
        parser.error(f"--format {args.format} needs --out-dir")
    config = GeneratorConfig(
        leads=args.leads,
        seed=args.seed,
        end_date=args.end_date,
        months=args.months,
        dirt=dirt,
        scenario=args.scenario,
    )
    contract = load_contract(args.contract or find_contract())
    if args.format == "duckdb":
        sink = DuckDBSink(args.duckdb, args.schema)
        target = f"{args.duckdb} (schema {args.schema})"
    else:
        sink = FileSink(args.out_dir, args.format)
        target = f"{args.out_dir} ({args.format})"
    started = time.perf_counter()
    counts = generate(config, contract, sink, api_names=args.api_names, progress=not args.quiet)
    elapsed = time.perf_counter() - started
    width = max(len(t) for t in counts)
    for table, rows in counts.items():
        print(f"{table:<{width}}  {rows:>12,d} rows")
    print(f"wrote {sum(counts.values()):,d} rows to {target} in {elapsed:.1f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())

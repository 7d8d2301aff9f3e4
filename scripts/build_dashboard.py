#!/usr/bin/env python3
"""Render the revenue_funnel marts as a self-contained HTML dashboard.

The page embeds plotly.js, so it opens offline (no CDN) and can be mailed or
attached as one file. The DuckDB file is opened READ-ONLY.

Examples:
    python scripts/build_dashboard.py                                  # revenue_funnel.duckdb
    python scripts/build_dashboard.py --duckdb big.duckdb --out /tmp/dashboard.html --lang ja
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from dashboard import WarehouseError, build_dashboard
from dashboard.browser import ChromiumMissing, screenshot_full_page

PROJECT_DIR = Path(__file__).resolve().parents[1]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--duckdb",
        type=Path,
        default=PROJECT_DIR / "revenue_funnel.duckdb",
        help="DuckDB file built by dbt (default: revenue_funnel.duckdb in the project)",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=Path("build/dashboard/index.html"),
        help="HTML file to write (default: build/dashboard/index.html)",
    )
    parser.add_argument(
        "--lang",
        choices=["en", "ja"],
        default="en",
        help="language shown first: en (default) or ja; the page has a switch, and chart labels "
        "carry both terms, e.g. 'Appointment (商談アポイント)'",
    )
    parser.add_argument("--schema", default="main", help="schema holding the marts (default: main)")
    parser.add_argument(
        "--screenshot",
        type=Path,
        metavar="PNG",
        help="also open the page in headless Chromium and save a full-page screenshot (1400 px wide); "
        "fails on any JavaScript error",
    )
    parser.add_argument("--quiet", action="store_true", help="print nothing on success")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    started = time.monotonic()
    try:
        panels = build_dashboard(args.duckdb, args.out, lang=args.lang, schema=args.schema)
    except WarehouseError as error:
        print(f"build_dashboard: {error}", file=sys.stderr)
        return 1
    if not args.quiet:
        charts = sum(panel.figure is not None for panel in panels)
        notices = [panel.key for panel in panels if panel.notice is not None]
        size_mb = args.out.stat().st_size / 1e6
        print(
            f"wrote {args.out} ({size_mb:.1f} MB, {charts} charts"
            f"{', notices: ' + ', '.join(notices) if notices else ''}) in {time.monotonic() - started:.1f}s"
        )
    if args.screenshot:
        try:
            report, png = screenshot_full_page(args.out, args.screenshot)
        except ChromiumMissing as error:
            print(f"build_dashboard: {error}", file=sys.stderr)
            return 1
        if report.js_errors:
            print(
                f"build_dashboard: JavaScript errors in {args.out}:",
                *report.js_errors,
                sep="\n  ",
                file=sys.stderr,
            )
            return 1
        if not args.quiet:
            print(f"screenshot {png} ({report.page_height} px tall)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Execute every compiled analysis against a DuckDB warehouse.

`dbt compile` only renders the analyses; this runs them, so a README question
whose query breaks (a renamed column, a wrong join) fails the test command.
Usage: run_analyses.py DUCKDB_FILE [TARGET_DIR]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import duckdb


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("database", type=Path, help="DuckDB file built by dbt")
    parser.add_argument("target", type=Path, nargs="?", default=Path("target"), help="dbt target folder")
    args = parser.parse_args()
    compiled = sorted((args.target / "compiled" / "revenue_funnel" / "analyses").glob("*.sql"))
    if not compiled:
        print("no compiled analyses found; run `dbt compile --select resource_type:analysis` first")
        return 1
    failures = 0
    with duckdb.connect(str(args.database), read_only=True) as con:
        for path in compiled:
            try:
                rows = con.execute(path.read_text()).fetchall()
            except duckdb.Error as error:
                failures += 1
                print(f"FAIL {path.stem}: {error}")
                continue
            if not rows:
                failures += 1
                print(f"FAIL {path.stem}: returned no rows")
                continue
            print(f"ok   {path.stem}: {len(rows)} rows")
    print(f"{len(compiled) - failures} passed, {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

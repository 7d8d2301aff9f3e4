"""Compare the tables of two DuckDB warehouses built from the same raw data, table by table.

A redesign must keep behaviour: build the old code and the new code on the same raw data, then

    python scripts/compare_marts.py before.duckdb after.duckdb [--rename old=new ...]

Each table of schema `main` (or --before-schema / --after-schema: a package build lands in a
schema of its own) in both files is compared as a multiset of rows (`except all` both
ways) on the columns both have, floating-point columns rounded to --decimals places, so a row
that appears twice in one and once in the other differs; rows left over by a rounding boundary
are matched again with the floating-point columns equal to a relative 1e-9. Columns only one
side has are listed (a new column is not a difference in the rows that existed). Exit 0 when
every compared table is equal and no table went missing, 1 otherwise.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

FLOAT_TYPES = {"DOUBLE", "FLOAT", "REAL"}
RELATIVE_TOLERANCE = 1e-9


@dataclass
class TableComparison:
    table: str
    other_table: str
    rows_before: int = 0
    rows_after: int = 0
    only_before: int = 0
    only_after: int = 0
    columns_removed: list[str] = field(default_factory=list)
    columns_added: list[str] = field(default_factory=list)

    @property
    def equal(self) -> bool:
        return self.only_before == 0 and self.only_after == 0

    def line(self) -> str:
        name = self.table if self.table == self.other_table else f"{self.table} -> {self.other_table}"
        verdict = "equal" if self.equal else f"DIFFERENT (-{self.only_before} +{self.only_after} rows)"
        extra = ""
        if self.columns_added:
            extra += f"; new columns {', '.join(self.columns_added)}"
        if self.columns_removed:
            extra += f"; removed columns {', '.join(self.columns_removed)}"
        return f"{name}: {self.rows_before} / {self.rows_after} rows, {verdict}{extra}"


def _columns(con: duckdb.DuckDBPyConnection, catalog: str, table: str) -> dict[str, str]:
    rows = con.execute(
        "select column_name, data_type from information_schema.columns "
        "where table_catalog = ? and table_schema = ? and table_name = ? order by ordinal_position",
        [catalog, _schema(con, catalog), table],
    ).fetchall()
    return dict(rows)


def _schema(con: duckdb.DuckDBPyConnection, catalog: str) -> str:
    """The schema compared in an attached catalog (set by compare())."""
    return con.execute("select getvariable(?)", [f"{catalog}_schema"]).fetchone()[0]


def _tables(con: duckdb.DuckDBPyConnection, catalog: str) -> set[str]:
    rows = con.execute(
        "select table_name from information_schema.tables where table_catalog = ? and table_schema = ?",
        [catalog, _schema(con, catalog)],
    ).fetchall()
    return {row[0] for row in rows}


def compare_table(
    con: duckdb.DuckDBPyConnection, table: str, other_table: str, decimals: int
) -> TableComparison:
    before = _columns(con, "before", table)
    after = _columns(con, "after", other_table)
    before_schema, after_schema = _schema(con, "before"), _schema(con, "after")
    common = [column for column in before if column in after]
    result = TableComparison(
        table,
        other_table,
        columns_removed=[c for c in before if c not in after],
        columns_added=[c for c in after if c not in before],
    )

    def select(catalog: str, name: str, types: dict[str, str]) -> str:
        items = [
            f'round("{c}", {decimals}) as "{c}"' if types[c] in FLOAT_TYPES else f'"{c}"' for c in common
        ]
        return f'select {", ".join(items)} from {catalog}."{_schema(con, catalog)}"."{name}"'

    old = select("before", table, before)
    new = select("after", other_table, after)
    count = 'select count(*) from {}."{}"."{}"'
    result.rows_before = con.execute(count.format("before", before_schema, table)).fetchone()[0]
    result.rows_after = con.execute(count.format("after", after_schema, other_table)).fetchone()[0]
    # Rounding can put two values a few ulps apart (a sum added up in another order) on either
    # side of a rounding boundary: the rows left over are matched again on the other columns,
    # with the floating-point columns equal to a relative tolerance.
    con.execute(f"create or replace temp table only_before as {old} except all {new}")
    con.execute(f"create or replace temp table only_after as {new} except all {old}")
    floats = [c for c in common if before[c] in FLOAT_TYPES]
    conditions = [f'(a."{c}" is not distinct from b."{c}")' for c in common if c not in floats] + [
        f'(a."{c}" is not distinct from b."{c}" or abs(a."{c}" - b."{c}") <= '
        f'{RELATIVE_TOLERANCE} * greatest(abs(a."{c}"), abs(b."{c}")))'
        for c in floats
    ]
    match = " and ".join(conditions) or "true"
    for name, this, that in (
        ("only_before", "only_before", "only_after"),
        ("only_after", "only_after", "only_before"),
    ):
        unmatched = con.execute(
            f"select count(*) from {this} as a where not exists (select 1 from {that} as b where {match})"
        ).fetchone()[0]
        setattr(result, name, unmatched)
    return result


def compare(
    before: Path,
    after: Path,
    renames: dict[str, str],
    decimals: int = 6,
    before_schema: str = "main",
    after_schema: str = "main",
) -> tuple[list[TableComparison], list[str], list[str]]:
    """The comparison of every table both sides have, and the tables only one side has."""
    con = duckdb.connect()
    con.execute(f"attach '{before}' as before (read_only)")
    con.execute(f"attach '{after}' as after (read_only)")
    con.execute("set variable before_schema = ?", [before_schema])
    con.execute("set variable after_schema = ?", [after_schema])
    old_tables, new_tables = _tables(con, "before"), _tables(con, "after")
    results, missing = [], []
    for table in sorted(old_tables):
        other = renames.get(table, table)
        if other in new_tables:
            results.append(compare_table(con, table, other, decimals))
        else:
            missing.append(table)
    added = sorted(new_tables - {renames.get(t, t) for t in old_tables})
    con.close()
    return results, missing, added


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("before", type=Path, help="warehouse built by the old code")
    parser.add_argument("after", type=Path, help="warehouse built by the new code from the same raw data")
    parser.add_argument(
        "--rename", action="append", default=[], metavar="OLD=NEW", help="a table renamed by the change"
    )
    parser.add_argument("--decimals", type=int, default=6, help="floating-point columns rounded to (6)")
    parser.add_argument("--before-schema", default="main", help="schema compared in BEFORE (main)")
    parser.add_argument("--after-schema", default="main", help="schema compared in AFTER (main)")
    args = parser.parse_args(argv)
    renames = dict(item.split("=", 1) for item in args.rename)
    results, missing, added = compare(
        args.before, args.after, renames, args.decimals, args.before_schema, args.after_schema
    )
    for result in results:
        print(result.line())
    for table in missing:
        print(f"{table}: MISSING after the change")
    for table in added:
        print(f"{table}: new table")
    different = [r for r in results if not r.equal]
    print(
        f"{len(results)} tables compared, {len(different)} different, "
        f"{len(missing)} missing, {len(added)} new"
    )
    return 1 if different or missing else 0


if __name__ == "__main__":
    sys.exit(main())

"""scripts/compare_marts.py on two hand-made warehouses: what it calls equal and different."""

from __future__ import annotations

from pathlib import Path

import duckdb
from compare_marts import compare, main


def _warehouse(path: Path, statements: list[str]) -> Path:
    with duckdb.connect(str(path)) as con:
        for statement in statements:
            con.execute(statement)
    return path


def test_equal_multisets_rounding_boundaries_renames_and_new_columns(tmp_path: Path) -> None:
    before = _warehouse(
        tmp_path / "before.duckdb",
        [
            "create table periods (period varchar, rate double)",
            "insert into periods values ('2024-01', 0.1), ('2024-02', 0.2), ('2024-02', 0.2)",
            "create table int_old (id integer)",
            "insert into int_old values (1), (2)",
            "create table amounts (id integer, amount double)",
            "insert into amounts values (1, 1234567.0000004999), (2, 1234567.1)",
        ],
    )
    after = _warehouse(
        tmp_path / "after.duckdb",
        [
            # the same rows in another order, 0.1 off in the 9th decimal, and a new column
            "create table periods (rate double, period varchar, view varchar)",
            "insert into periods values (0.2, '2024-02', 'period'), (0.1000000001, '2024-01', 'period'),"
            " (0.2, '2024-02', 'period')",
            "create table fct_new (id integer)",
            "insert into fct_new values (2), (1)",
            # id 1 rounds to 1234567.000001 against 1234567.0 before, 2e-16 apart relatively;
            # id 2 really changed
            "create table amounts (id integer, amount double)",
            "insert into amounts values (1, 1234567.0000005001), (2, 1234567.2)",
        ],
    )
    results, missing, added = compare(before, after, {"int_old": "fct_new"})
    assert [(r.table, r.other_table, r.equal) for r in results] == [
        ("amounts", "amounts", False),
        ("int_old", "fct_new", True),
        ("periods", "periods", True),
    ]
    assert (results[0].only_before, results[0].only_after) == (1, 1)
    assert results[2].columns_added == ["view"] and results[2].rows_before == 3
    assert missing == [] and added == []
    assert main([str(before), str(after), "--rename", "int_old=fct_new"]) == 1


def test_a_duplicated_row_a_changed_value_and_a_missing_table_differ(tmp_path: Path) -> None:
    before = _warehouse(
        tmp_path / "before.duckdb",
        [
            "create table periods (period varchar, leads integer)",
            "insert into periods values ('2024-01', 10), ('2024-02', 20)",
            "create table gone (id integer)",
        ],
    )
    after = _warehouse(
        tmp_path / "after.duckdb",
        [
            "create table periods (period varchar, leads integer)",
            # one row twice, one value changed: 2 rows only after, 1 only before
            "insert into periods values ('2024-01', 10), ('2024-01', 10), ('2024-02', 21)",
        ],
    )
    results, missing, added = compare(before, after, {})
    (periods,) = results
    assert (periods.only_before, periods.only_after, periods.equal) == (1, 2, False)
    assert missing == ["gone"] and added == []
    assert main([str(before), str(after)]) == 1

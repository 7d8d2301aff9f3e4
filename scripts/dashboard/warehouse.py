"""Read-only access to the DuckDB warehouse that dbt built."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import duckdb

from .labels import Labels


class WarehouseError(RuntimeError):
    """The warehouse cannot be read (missing file, locked by a writer, not built)."""


class Warehouse:
    """A read-only connection: the dashboard never writes to the file dbt owns."""

    def __init__(self, path: Path, schema: str = "main") -> None:
        if not path.is_file():
            raise WarehouseError(f"DuckDB file not found: {path} (run `make run` or dbt build first)")
        try:
            self.con = duckdb.connect(str(path), read_only=True)
        except duckdb.Error as error:
            raise WarehouseError(
                f"cannot open {path} read-only: {error}. Is dbt build still writing to it?"
            ) from error
        self.path = path
        self.schema = schema
        self._tables = {
            row[0]
            for row in self.con.execute(
                "select table_name from information_schema.tables where table_schema = ?", [schema]
            ).fetchall()
        }

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> Warehouse:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def has(self, table: str) -> bool:
        return table in self._tables

    def require(self, *tables: str) -> None:
        missing = [table for table in tables if not self.has(table)]
        if missing:
            raise WarehouseError(
                f"{self.path} has no {', '.join(missing)} in schema {self.schema!r}: build the project "
                "with dbt first (make run), or pass --schema"
            )

    def relation(self, table: str) -> str:
        return f'"{self.schema}"."{table}"'

    def rows(self, sql: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
        """Run a query; `{name}` placeholders in the SQL are replaced by quoted relations."""
        rendered = sql.format_map(_Relations(self))
        cursor = self.con.execute(rendered, params or [])
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def as_of_date(self) -> dt.date | None:
        if self.has("dim_calendar"):
            rows = self.rows("select date_day from {dim_calendar} where is_as_of_date")
            if rows:
                return rows[0]["date_day"]
        return None

    def labels(self, lang: str) -> Labels:
        """Labels with the stage and factor names of the seeds (dim_funnel_stages and
        dim_kpi_factors, public marts, so a published copy has them), where they are built."""
        labels = Labels(lang)
        if self.has("dim_funnel_stages"):
            for row in self.rows("select funnel_stage, label_en, label_ja from {dim_funnel_stages}"):
                labels.stages[row["funnel_stage"]] = (row["label_en"], row["label_ja"])
        if self.has("dim_kpi_factors"):
            for row in self.rows("select factor, label_en, label_ja from {dim_kpi_factors}"):
                labels.factors[row["factor"]] = (row["label_en"], row["label_ja"])
        return labels


class _Relations(dict):
    def __init__(self, warehouse: Warehouse) -> None:
        super().__init__()
        self.warehouse = warehouse

    def __missing__(self, key: str) -> str:
        return self.warehouse.relation(key)

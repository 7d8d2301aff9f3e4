"""Output sinks: a DuckDB schema, or one Parquet / CSV file per table."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from .contract import Column, Contract, api_name, is_loader_column
from .frame import NULL, Frame, nrows

FORMATS: tuple[str, ...] = ("duckdb", "parquet", "csv")


@dataclass(frozen=True)
class OutputColumn:
    name: str  # name written (snake_case or API spelling)
    column: Column  # contract column (snake_case)


@dataclass(frozen=True)
class TableLayout:
    name: str
    columns: tuple[OutputColumn, ...]

    @property
    def schema(self) -> pa.Schema:
        return pa.schema([pa.field(c.name, c.column.arrow_type) for c in self.columns])


def table_layouts(contract: Contract, *, api_names: bool = False) -> dict[str, TableLayout]:
    """What is written for every contract table: its columns in order, spelled as asked."""
    layouts: dict[str, TableLayout] = {}
    for table in contract.tables:
        cols = []
        for col in contract.columns(table):
            if api_names and is_loader_column(col.name):
                continue
            cols.append(OutputColumn(api_name(col.name) if api_names else col.name, col))
        layouts[table] = TableLayout(table, tuple(cols))
    return layouts


class Converter:
    """Turns simulation frames into Arrow tables with the layout's columns and types."""

    def __init__(self, synced_ts: int) -> None:
        self.defaults: dict[str, object] = {
            "_fivetran_synced": synced_ts,
            "_fivetran_deleted": False,
            "is_deleted": False,
            # the demo org has one sales process: no record types
            "record_type_id": None,
        }
        self.missing: set[tuple[str, str]] = set()

    def table(self, layout: TableLayout, frame: Frame) -> pa.Table:
        n = nrows(frame)
        arrays = []
        for out in layout.columns:
            col = out.column
            if col.name in frame:
                values = frame[col.name]
            elif col.name in self.defaults:
                values = np.full(n, self.defaults[col.name])
            else:
                if (layout.name, col.name) not in self.missing:
                    self.missing.add((layout.name, col.name))
                    print(
                        f"warning: the generator has no values for {layout.name}.{col.name};"
                        " writing nulls",
                        file=sys.stderr,
                    )
                values = pa.nulls(n, col.arrow_type)
            arrays.append(to_arrow(values, col.data_type))
        return pa.Table.from_arrays(arrays, schema=layout.schema)


def to_arrow(values: np.ndarray | pa.Array, data_type: str) -> pa.Array:
    """Convert a frame column (see demo_data.frame conventions) to the contract's Arrow type."""
    target = Column("x", data_type).arrow_type
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    if isinstance(values, pa.Array):
        return values if values.type == target else values.cast(target)
    values = np.asarray(values)
    if data_type == "timestamp":
        mask = values == NULL
        micros = np.where(mask, 0, values).astype(np.int64) * 1_000_000
        return pa.array(micros, type=pa.int64(), mask=mask).cast(target)
    if data_type == "date":
        mask = values == NULL
        days = np.where(mask, 0, values).astype(np.int32)
        return pa.array(days, type=pa.int32(), mask=mask).cast(target)
    if data_type == "integer":
        values = values.astype(np.int64)
        return pa.array(values, type=target, mask=values == NULL)
    if data_type == "float":
        values = values.astype(np.float64)
        return pa.array(values, type=target, mask=np.isnan(values))
    if data_type == "boolean":
        return pa.array(values.astype(bool), type=target)
    return pa.array(values, type=target)


class Sink(Protocol):
    def open(self, layouts: Sequence[TableLayout]) -> None: ...

    def write(self, table: str, data: pa.Table) -> None: ...

    def close(self) -> None: ...


def quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


class DuckDBSink:
    """(Re)creates the contract tables in a DuckDB schema and appends Arrow batches."""

    def __init__(self, path: str | Path, schema: str = "salesforce") -> None:
        self.path = str(path)
        self.schema = schema
        self.con = None

    def open(self, layouts: Sequence[TableLayout]) -> None:
        import duckdb

        Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        # a new file stays readable by DuckDB 1.x clients (same setting as profiles.yml)
        self.con = duckdb.connect(self.path, config={"storage_compatibility_version": "v1.4.0"})
        self.con.execute(f"create schema if not exists {quote(self.schema)}")
        for layout in layouts:
            target = f"{quote(self.schema)}.{quote(layout.name)}"
            cols = ", ".join(f"{quote(c.name)} {c.column.duckdb_type}" for c in layout.columns)
            self.con.execute(f"drop table if exists {target}")
            self.con.execute(f"create table {target} ({cols})")

    def write(self, table: str, data: pa.Table) -> None:
        if data.num_rows == 0:
            return
        assert self.con is not None
        self.con.register("_demo_batch", data)
        try:
            self.con.execute(
                f"insert into {quote(self.schema)}.{quote(table)} select * from _demo_batch"
            )
        finally:
            self.con.unregister("_demo_batch")

    def close(self) -> None:
        if self.con is not None:
            self.con.execute("checkpoint")
            self.con.close()
            self.con = None


class FileSink:
    """One ``<table>.parquet`` or ``<table>.csv`` per table in an output directory."""

    def __init__(self, out_dir: str | Path, file_format: str) -> None:
        if file_format not in ("parquet", "csv"):
            raise ValueError(f"unsupported file format {file_format!r}")
        self.out_dir = Path(out_dir)
        self.format = file_format
        self.writers: dict[str, pq.ParquetWriter | pacsv.CSVWriter] = {}

    def open(self, layouts: Sequence[TableLayout]) -> None:
        self.out_dir.mkdir(parents=True, exist_ok=True)
        for layout in layouts:
            path = self.out_dir / f"{layout.name}.{self.format}"
            if self.format == "parquet":
                self.writers[layout.name] = pq.ParquetWriter(
                    path, layout.schema, compression="zstd"
                )
            else:
                self.writers[layout.name] = pacsv.CSVWriter(path, self.csv_schema(layout.schema))

    def write(self, table: str, data: pa.Table) -> None:
        if not data.num_rows:
            return
        if self.format == "csv":
            data = data.cast(self.csv_schema(data.schema))
        self.writers[table].write_table(data)

    @staticmethod
    def csv_schema(schema: pa.Schema) -> pa.Schema:
        """CSV timestamps in whole seconds ('2025-01-31 09:30:00'), as every loader reads."""
        return pa.schema(
            [
                pa.field(f.name, pa.timestamp("s")) if pa.types.is_timestamp(f.type) else f
                for f in schema
            ]
        )

    def close(self) -> None:
        for writer in self.writers.values():
            writer.close()
        self.writers = {}

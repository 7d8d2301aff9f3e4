"""The raw-table contract, read from the dbt sources file at run time."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import yaml

#: Default location of the contract, relative to the project root.
CONTRACT_RELATIVE_PATH = Path("models/staging/salesforce/_salesforce__sources.yml")

#: Abstract contract type -> Arrow type (which DuckDB maps to the type in DUCKDB_TYPES).
ARROW_TYPES: dict[str, pa.DataType] = {
    "string": pa.string(),
    "integer": pa.int64(),
    "float": pa.float64(),
    "boolean": pa.bool_(),
    "date": pa.date32(),
    "timestamp": pa.timestamp("us"),
}

#: Abstract contract type -> DuckDB column type.
DUCKDB_TYPES: dict[str, str] = {
    "string": "VARCHAR",
    "integer": "BIGINT",
    "float": "DOUBLE",
    "boolean": "BOOLEAN",
    "date": "DATE",
    "timestamp": "TIMESTAMP",
}

#: Columns the generator writes beyond the contract, per table (custom fields a real org has).
EXTRA_COLUMNS: dict[str, tuple[tuple[str, str], ...]] = {
    "lead": (("region_c", "string"),),
}

#: Loader bookkeeping columns: not present when data is extracted through the Salesforce API.
LOADER_COLUMN_PREFIX = "_fivetran"


@dataclass(frozen=True)
class Column:
    """One raw column: snake_case name, abstract type, and whether staging requires it."""

    name: str
    data_type: str
    required: bool = False

    @property
    def arrow_type(self) -> pa.DataType:
        return ARROW_TYPES[self.data_type]

    @property
    def duckdb_type(self) -> str:
        return DUCKDB_TYPES[self.data_type]


@dataclass(frozen=True)
class Contract:
    """Tables (in contract order) and their columns (in contract order)."""

    tables: dict[str, tuple[Column, ...]]
    source_name: str = "revenue_funnel_salesforce"

    def columns(self, table: str, *, with_extras: bool = True) -> tuple[Column, ...]:
        """Columns to write for a table: the contract's, plus generator extras."""
        cols = self.tables[table]
        if with_extras:
            known = {c.name for c in cols}
            extra = tuple(
                Column(name, dtype)
                for name, dtype in EXTRA_COLUMNS.get(table, ())
                if name not in known
            )
            cols = cols + extra
        return cols


def find_contract(start: Path | None = None) -> Path:
    """Locate the contract file from the project root (parent of scripts/) or cwd."""
    candidates = []
    if start is not None:
        candidates.append(start)
    here = Path(__file__).resolve()
    candidates.append(here.parents[2])  # <root>/scripts/demo_data/contract.py
    candidates.append(Path.cwd())
    for root in candidates:
        path = root / CONTRACT_RELATIVE_PATH
        if path.is_file():
            return path
    raise FileNotFoundError(f"cannot find {CONTRACT_RELATIVE_PATH} (looked in {candidates})")


def load_contract(path: Path | None = None, source_name: str = "revenue_funnel_salesforce") -> Contract:
    """Parse the dbt sources YAML (anchors and aliases included) into a Contract."""
    path = path or find_contract()
    with open(path, encoding="utf-8") as fh:
        doc = yaml.safe_load(fh)
    sources = [s for s in doc.get("sources", []) if s.get("name") == source_name]
    if len(sources) != 1:
        raise ValueError(f"{path}: expected exactly one source named {source_name!r}")
    tables: dict[str, tuple[Column, ...]] = {}
    for table in sources[0].get("tables", []):
        cols = []
        seen: set[str] = set()
        for col in table.get("columns", []):
            name = col["name"]
            dtype = col.get("data_type")
            if dtype not in ARROW_TYPES:
                raise ValueError(f"{path}: {table['name']}.{name}: unknown data_type {dtype!r}")
            if name in seen:
                raise ValueError(f"{path}: {table['name']}.{name} is listed twice")
            seen.add(name)
            meta = (col.get("config") or {}).get("meta") or col.get("meta") or {}
            cols.append(Column(name, dtype, bool(meta.get("required", False))))
        tables[table["name"]] = tuple(cols)
    return Contract(tables=tables, source_name=source_name)


_CUSTOM_SUFFIX = re.compile(r"_c$")


def api_name(snake: str) -> str:
    """Salesforce API spelling of a Fivetran (snake_case) column name.

    Standard fields are PascalCase (``converted_opportunity_id`` -> ``ConvertedOpportunityId``);
    custom fields keep their underscores and get ``__c`` (``loss_reason_c`` -> ``Loss_Reason__c``).
    """
    if _CUSTOM_SUFFIX.search(snake) and snake != "_c":
        stem = snake[: -len("_c")]
        return "_".join(part[:1].upper() + part[1:] for part in stem.split("_") if part) + "__c"
    return "".join(part[:1].upper() + part[1:] for part in snake.split("_") if part)


def is_loader_column(name: str) -> bool:
    """True for loader bookkeeping columns (``_fivetran_synced``, ``_fivetran_deleted``)."""
    return name.startswith(LOADER_COLUMN_PREFIX)

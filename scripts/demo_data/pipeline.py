"""Runs the generation: reference tables, then the lead chunks, streamed into a sink."""

from __future__ import annotations

from collections.abc import Callable

from tqdm import tqdm

from .config import GeneratorConfig
from .contract import Contract
from .frame import Frame
from .model import CHUNK_TABLES, simulate_chunk
from .org import build_org
from .writer import Converter, Sink, table_layouts

ORG_TABLES: tuple[str, ...] = (
    "user_role",
    "user",
    "currency_type",
    "dated_conversion_rate",
    "campaign",
)


def generate(
    config: GeneratorConfig,
    contract: Contract,
    sink: Sink,
    *,
    api_names: bool = False,
    progress: bool = True,
    on_chunk: Callable[[int], None] | None = None,
) -> dict[str, int]:
    """Generate everything into ``sink``; returns the number of rows written per table."""
    layouts = table_layouts(contract, api_names=api_names)
    unknown = (set(ORG_TABLES) | set(CHUNK_TABLES)) - set(layouts)
    if unknown:
        raise ValueError(f"the contract has no table(s) {sorted(unknown)}")
    org = build_org(config)
    converter = Converter(org.timeline.synced_ts)
    counts = dict.fromkeys(layouts, 0)

    def emit(table: str, frame: Frame) -> None:
        data = converter.table(layouts[table], frame)
        sink.write(table, data)
        counts[table] += data.num_rows

    sink.open(list(layouts.values()))
    try:
        for table in ORG_TABLES:
            emit(table, org.tables[table])
        bar = tqdm(
            total=config.leads, unit="lead", disable=not progress, desc="demo data", leave=False
        )
        with bar:
            for chunk in range(config.n_chunks):
                frames = simulate_chunk(config, org, chunk)
                for table in CHUNK_TABLES:
                    emit(table, frames[table])
                bar.update(config.chunk_leads(chunk))
                if on_chunk is not None:
                    on_chunk(chunk)
    finally:
        sink.close()
    return counts

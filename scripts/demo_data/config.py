"""Run configuration shared by the generator modules."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from .ground_truth import SCENARIOS

#: Dirt kinds, in the order they are applied.
DIRT_KINDS: tuple[str, ...] = (
    "deleted",
    "duplicates",
    "merged",
    "test_leads",
    "unmapped",
    "null_owners",
    "missing_rates",
)

#: Leads simulated per chunk. Part of the output definition: changing it changes the data.
CHUNK_SIZE = 50_000

#: Width of the per-chunk id block: chunk c numbers its records from c * ID_BLOCK + 1.
ID_BLOCK = 10**10


def parse_dirt(value: str | None) -> frozenset[str]:
    """Parse a comma-separated dirt list ('' or None means none, 'all' means every kind)."""
    if value is None:
        return frozenset()
    items = [item.strip() for item in value.split(",") if item.strip()]
    if items == ["all"]:
        return frozenset(DIRT_KINDS)
    unknown = sorted(set(items) - set(DIRT_KINDS))
    if unknown:
        raise ValueError(
            f"unknown dirt kind(s): {', '.join(unknown)} (choose from {', '.join(DIRT_KINDS)})"
        )
    return frozenset(items)


@dataclass(frozen=True)
class GeneratorConfig:
    """Everything that determines the generated data (and nothing else does)."""

    leads: int = 5000
    seed: int = 42
    end_date: dt.date = dt.date(2026, 9, 30)
    months: int = 24
    dirt: frozenset[str] = field(default_factory=lambda: frozenset(DIRT_KINDS))
    #: None: the default demo. A name of demo_data.ground_truth.SCENARIOS: the company of that
    #: scenario, with designed department factor processes (a known ground truth).
    scenario: str | None = None

    def __post_init__(self) -> None:
        if self.leads < 1:
            raise ValueError("leads must be at least 1")
        if self.months < 1:
            raise ValueError("months must be at least 1")
        if self.seed < 0:
            raise ValueError("seed must be non-negative")
        unknown = set(self.dirt) - set(DIRT_KINDS)
        if unknown:
            raise ValueError(f"unknown dirt kind(s): {sorted(unknown)}")
        if self.scenario is not None and self.scenario not in SCENARIOS:
            raise ValueError(f"unknown scenario {self.scenario!r} (choose from {', '.join(SCENARIOS)})")

    def has(self, kind: str) -> bool:
        """Whether the given dirt kind is switched on."""
        return kind in self.dirt

    @property
    def n_chunks(self) -> int:
        return (self.leads + CHUNK_SIZE - 1) // CHUNK_SIZE

    def chunk_leads(self, chunk: int) -> int:
        """Number of (normal) leads simulated in the given chunk."""
        return min(CHUNK_SIZE, self.leads - chunk * CHUNK_SIZE)

"""Salesforce-like 18-character record ids: 3-character key prefix + 15-digit counter."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

#: Object -> key prefix.
PREFIXES: dict[str, str] = {
    "account": "001",
    "contact": "003",
    "lead": "00Q",
    "campaign": "701",
    "campaign_member": "00v",
    "opportunity": "006",
    "opportunity_history": "008",
    "task": "00T",
    "event": "00U",
    "user": "005",
    "user_role": "00E",
    "currency_type": "02i",
    "dated_conversion_rate": "04w",
}

ID_LENGTH = 18
COUNTER_DIGITS = ID_LENGTH - 3
NO_ID = -1  # counter value meaning "null reference"


def make_ids(obj: str, counters: np.ndarray) -> pa.Array:
    """Format counters (int64, NO_ID for null) as ids of the given object."""
    counters = np.asarray(counters, dtype=np.int64)
    mask = counters < 0
    digits = pc.utf8_lpad(
        pc.cast(pa.array(np.where(mask, 0, counters)), pa.string()), COUNTER_DIGITS, "0"
    )
    ids = pc.binary_join_element_wise(PREFIXES[obj], digits, "")
    if mask.any():
        ids = pc.if_else(pa.array(mask), pa.scalar(None, pa.string()), ids)
    return ids


def make_id(obj: str, counter: int) -> str:
    """A single id (for small reference tables)."""
    return f"{PREFIXES[obj]}{counter:0{COUNTER_DIGITS}d}"

"""Dirt kind "duplicates": older versions of records delivered again by the loader."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from . import catalog
from .frame import DAY, NULL, Frame, concat, nrows, take, vocab_take
from .leads import join
from .timeline import HOUR

MINUTE = 60
DUPLICATE_RATE = 0.02

#: Tables that get re-synced older copies of some rows.
DUPLICATE_TABLES: tuple[str, ...] = (
    "lead",
    "contact",
    "opportunity",
    "campaign_member",
    "task",
    "event",
    "opportunity_history",
)


def with_old_copies(table: str, frame: Frame, g: np.random.Generator, synced_ts: int) -> Frame:
    """Append an older version of ~2% of the rows: same id, older system_modstamp, earlier
    _fivetran_synced and a slightly different value (staging must keep the latest)."""
    n = nrows(frame)
    frame = dict(frame)
    frame["_fivetran_synced"] = np.full(n, synced_ts, dtype=np.int64)
    # only rows changed after creation can have a strictly older version
    eligible = np.flatnonzero(frame["system_modstamp"] > frame["created_date"])
    m = min(int(g.binomial(n, DUPLICATE_RATE)), len(eligible))
    if m == 0:
        return frame
    idx = np.sort(g.choice(eligible, m, replace=False))
    old = take(frame, idx)
    created, mod = old["created_date"], old["system_modstamp"]
    old_mod = created + ((mod - created) * g.uniform(0.0, 0.9, m)).astype(np.int64)
    old["system_modstamp"] = np.minimum(old_mod, mod - 1)
    old["_fivetran_synced"] = np.minimum(
        old["system_modstamp"] + g.integers(10 * MINUTE, 12 * HOUR, m), synced_ts - HOUR
    )
    if "is_deleted" in old:
        old["is_deleted"] = np.zeros(m, dtype=bool)
    if "master_record_id" in old:
        old["master_record_id"] = pa.nulls(m, pa.string())
    older_values(table, old, g)
    return concat([frame, old])


def older_values(table: str, old: Frame, g: np.random.Generator) -> None:
    m = nrows(old)
    zeros = np.zeros(m, dtype=np.int64)
    if table == "lead":
        was_open = pc.equal(old["status"], "Open").to_numpy(zero_copy_only=False)
        old["status"] = vocab_take(("Open", "Working"), was_open.astype(np.int64))
        old["rating"] = pa.nulls(m, pa.string())
        old["disqualification_reason_c"] = pa.nulls(m, pa.string())
        old["is_converted"] = np.zeros(m, dtype=bool)
        old["converted_date"] = np.full(m, NULL, dtype=np.int64)
        for col in ("converted_contact_id", "converted_account_id", "converted_opportunity_id"):
            old[col] = pa.nulls(m, pa.string())
    elif table == "contact":
        old["title"] = vocab_take(catalog.LEAD_TITLES, g.integers(0, len(catalog.LEAD_TITLES), m))
    elif table == "opportunity":
        first = pc.equal(old["stage_name"], "Appointment").to_numpy(zero_copy_only=False)
        stage = np.where(first, catalog.SG_QUALIFICATION, catalog.SG_APPOINTMENT)
        old["stage_name"] = vocab_take(catalog.STAGES, stage)
        old["amount"] = np.round(old["amount"] * 0.9, 0)
        old["is_closed"] = np.zeros(m, dtype=bool)
        old["is_won"] = np.zeros(m, dtype=bool)
        old["probability"] = catalog.STAGE_PROBABILITY[stage]
        old["forecast_category"] = vocab_take(catalog.FORECAST_CATEGORIES, zeros)
        old["loss_reason_c"] = pa.nulls(m, pa.string())
    elif table == "campaign_member":
        old["status"] = vocab_take(("Sent",), zeros)
        old["has_responded"] = np.zeros(m, dtype=bool)
        old["first_responded_date"] = np.full(m, NULL, dtype=np.int64)
        old["contact_id"] = pa.nulls(m, pa.string())
    elif table == "task":
        old["status"] = vocab_take(("Not Started",), zeros)
    elif table == "event":
        shift = np.maximum(
            np.minimum(old["start_date_time"] - DAY, old["start_date_time"]), old["created_date"]
        )
        delta = old["start_date_time"] - shift
        old["start_date_time"] = shift
        old["end_date_time"] = old["end_date_time"] - delta
        old["subject"] = join(old["subject"], " (tentative)")
    elif table == "opportunity_history":
        old["amount"] = np.round(old["amount"] * 0.95, 0)

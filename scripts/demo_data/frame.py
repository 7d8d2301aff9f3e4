"""Column-oriented frames passed between the simulation, the dirt and the writer.

A frame maps column name -> values. Value conventions by contract type:

* string: ``pyarrow.Array`` of strings (nulls allowed)
* timestamp: ``int64`` numpy array of seconds since 1970-01-01 UTC, ``NULL`` for null
* date: ``int64`` numpy array of days since 1970-01-01, ``NULL`` for null
* integer: ``int64`` numpy array, ``NULL`` for null
* float: ``float64`` numpy array, NaN for null
* boolean: ``bool`` numpy array
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyarrow as pa

Values = np.ndarray | pa.Array
Frame = dict[str, Values]

NULL = np.iinfo(np.int64).min
DAY = 86_400


def nrows(frame: Frame) -> int:
    """Number of rows (all columns have the same length)."""
    for values in frame.values():
        return len(values)
    return 0


def take(frame: Frame, idx: np.ndarray) -> Frame:
    """Rows at the given positions."""
    idx = np.asarray(idx, dtype=np.int64)
    out: Frame = {}
    for name, values in frame.items():
        out[name] = values.take(pa.array(idx)) if isinstance(values, pa.Array) else values[idx]
    return out


def concat(frames: Sequence[Frame]) -> Frame:
    """Row-wise concatenation of frames with the same columns."""
    frames = [f for f in frames if f]
    if not frames:
        return {}
    if len(frames) == 1:
        return dict(frames[0])
    out: Frame = {}
    for name in frames[0]:
        parts = [f[name] for f in frames]
        if isinstance(parts[0], pa.Array):
            out[name] = pa.concat_arrays([_as_arrow(p) for p in parts])
        else:
            out[name] = np.concatenate(parts)
    return out


def _as_arrow(values: Values) -> pa.Array:
    if isinstance(values, pa.ChunkedArray):
        return values.combine_chunks()
    return values


def strings(values: Sequence[str | None] | np.ndarray) -> pa.Array:
    """A string column from Python strings / a numpy array of str."""
    return pa.array(values, type=pa.string())


def null_strings(n: int) -> pa.Array:
    return pa.nulls(n, pa.string())


def null_ints(n: int) -> np.ndarray:
    return np.full(n, NULL, dtype=np.int64)


def vocab_take(vocab: Sequence[str], idx: np.ndarray) -> pa.Array:
    """Strings ``vocab[idx]`` as an Arrow array (idx < 0 gives null)."""
    arr = pa.array(list(vocab), type=pa.string())
    idx = np.asarray(idx, dtype=np.int64)
    mask = idx < 0
    if mask.any():
        return arr.take(pa.array(np.where(mask, 0, idx), mask=mask))
    return arr.take(pa.array(idx))

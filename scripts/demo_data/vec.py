"""Small vectorised helpers for variable-length per-entity row generation."""

from __future__ import annotations

import numpy as np


def ranks_within(counts: np.ndarray) -> np.ndarray:
    """For ``np.repeat(x, counts)``: the position 0..count-1 of each row inside its group."""
    counts = np.asarray(counts, dtype=np.int64)
    total = int(counts.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    starts = np.cumsum(counts) - counts
    return np.arange(total, dtype=np.int64) - np.repeat(starts, counts)


def group_cumsum(values: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Cumulative sum of ``values`` restarting at every group of ``np.repeat(_, counts)``."""
    counts = np.asarray(counts, dtype=np.int64)
    values = np.asarray(values)
    if values.size == 0:
        return values.copy()
    csum = np.cumsum(values)
    starts = np.cumsum(counts) - counts
    before = np.where(starts > 0, csum[np.clip(starts - 1, 0, None)], 0)
    return csum - np.repeat(before, counts).astype(csum.dtype)


def sample_rows(rng: np.random.Generator, cdf: np.ndarray) -> np.ndarray:
    """One categorical draw per row of a (n, k) matrix of cumulative probabilities."""
    u = rng.random(cdf.shape[0])[:, None]
    idx = (u >= cdf).sum(axis=1)
    return np.minimum(idx, cdf.shape[1] - 1)


def categorical(rng: np.random.Generator, probs: np.ndarray, n: int) -> np.ndarray:
    """n draws from one categorical distribution."""
    probs = np.asarray(probs, dtype=np.float64)
    cdf = np.cumsum(probs / probs.sum())
    return np.minimum(np.searchsorted(cdf, rng.random(n), side="right"), len(probs) - 1)


def bernoulli(rng: np.random.Generator, p: np.ndarray | float, n: int) -> np.ndarray:
    return rng.random(n) < p


def uniform_int(rng: np.random.Generator, low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """Integers uniform in [low, high] (inclusive), element-wise; high < low gives low."""
    low = np.asarray(low, dtype=np.int64)
    high = np.maximum(np.asarray(high, dtype=np.int64), low)
    return low + np.floor(rng.random(low.shape) * (high - low + 1)).astype(np.int64)

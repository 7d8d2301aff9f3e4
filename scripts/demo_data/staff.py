"""Who can take work in which month (hires and leavers respected)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Staff:
    """Users able to take work in each month: ``pool[m, :count[m]]`` are user indices."""

    pool: np.ndarray
    count: np.ndarray

    def pick(self, generator: np.random.Generator, month: np.ndarray) -> np.ndarray:
        month = np.asarray(month, dtype=np.int64)
        slot = np.floor(generator.random(month.shape) * self.count[month]).astype(np.int64)
        return self.pool[month, slot]

"""Random streams derived from (seed, purpose, chunk): independent and reproducible.

Every consumer asks for its own stream, so switching one dirt kind on or off never shifts
the random numbers any other part of the simulation sees.
"""

from __future__ import annotations

import numpy as np

# Stream purposes (stable integers: renumbering them changes the generated data).
ORG = 1
FACTORS = 2
CAMPAIGNS = 3
RATES = 4
SCENARIO = 5  # the designed factor processes of --scenario (demo_data.ground_truth)
LEADS = 10
HANDLING = 11
DEALS = 12
RESPONSES = 13
ACTIVITIES = 14
ACCOUNTS = 15
DIRT_BASE = 100  # + index of the dirt kind in config.DIRT_KINDS


def stream(seed: int, purpose: int, chunk: int = 0) -> np.random.Generator:
    """A generator seeded from (seed, purpose, chunk) through numpy's SeedSequence."""
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence([seed, purpose, chunk])))

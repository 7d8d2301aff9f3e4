"""Calendar of the simulated history and the department-level monthly factors."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from . import catalog, rng
from .frame import DAY

EPOCH = dt.date(1970, 1, 1)
HOUR = 3_600


def to_days(day: dt.date) -> int:
    return (day - EPOCH).days


def from_days(days: int) -> dt.date:
    return EPOCH + dt.timedelta(days=int(days))


def _add_months(year: int, month: int, delta: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + delta
    return index // 12, index % 12 + 1


@dataclass(frozen=True)
class Timeline:
    """The months of history: month m covers days [month_start[m], window_end[m])."""

    end_date: dt.date
    months: int
    month_start: np.ndarray  # int64 days, length months + 1 (last = first day after the last month)
    window_end: np.ndarray  # int64 days, exclusive; the last month stops after end_date
    calendar_month: np.ndarray  # 1..12
    calendar_year: np.ndarray

    @classmethod
    def build(cls, end_date: dt.date, months: int) -> Timeline:
        starts, cal_month, cal_year = [], [], []
        for k in range(months + 1):
            year, month = _add_months(end_date.year, end_date.month, k - months + 1)
            starts.append(to_days(dt.date(year, month, 1)))
            if k < months:
                cal_month.append(month)
                cal_year.append(year)
        month_start = np.array(starts, dtype=np.int64)
        window_end = np.minimum(month_start[1:], to_days(end_date) + 1)
        return cls(
            end_date=end_date,
            months=months,
            month_start=month_start,
            window_end=window_end,
            calendar_month=np.array(cal_month, dtype=np.int64),
            calendar_year=np.array(cal_year, dtype=np.int64),
        )

    @property
    def start_day(self) -> int:
        return int(self.month_start[0])

    @property
    def end_day(self) -> int:
        """Last day of history (inclusive)."""
        return to_days(self.end_date)

    @property
    def end_ts(self) -> int:
        """Last second of history: nothing is created or changed after it."""
        return (self.end_day + 1) * DAY - 1

    @property
    def synced_ts(self) -> int:
        """The loader's sync time: the day after the end date, 02:00 UTC."""
        return (self.end_day + 1) * DAY + 2 * HOUR

    @property
    def days_in_window(self) -> np.ndarray:
        return self.window_end - self.month_start[:-1]

    def month_of_day(self, days: np.ndarray) -> np.ndarray:
        """Month index of day numbers, clipped into the history."""
        idx = np.searchsorted(self.month_start, days, side="right") - 1
        return np.clip(idx, 0, self.months - 1)

    def month_of_ts(self, ts: np.ndarray) -> np.ndarray:
        return self.month_of_day(np.floor_divide(ts, DAY))


def business_day_offset(days: np.ndarray, offset: np.ndarray) -> np.ndarray:
    """Day numbers moved forward to a weekday, then by ``offset`` business days."""
    d = np.asarray(days, dtype=np.int64).astype("datetime64[D]")
    return np.busday_offset(d, np.asarray(offset, dtype=np.int64), roll="forward").astype(np.int64)


def business_time(generator: np.random.Generator, n: int | tuple[int, ...]) -> np.ndarray:
    """Seconds after midnight UTC within office hours (08:00-18:00), a few outside."""
    hours = np.clip(generator.normal(12.8, 2.4, n), 7.5, 19.0)
    return (hours * HOUR).astype(np.int64) + generator.integers(0, 60, n)


def meeting_time(generator: np.random.Generator, n: int) -> np.ndarray:
    """Meeting start within office hours, on the hour or half hour."""
    slots = generator.integers(0, 17, n)  # 09:00 .. 17:00
    return (9 * HOUR + slots * 1_800).astype(np.int64)


@dataclass(frozen=True)
class DepartmentFactors:
    """Monthly multipliers, each drawn independently per month (index = month of history)."""

    lead_volume: np.ndarray  # Marketing: lead volume (seasonality x growth x noise)
    is_appointment: np.ndarray  # Inside Sales: appointment-rate multiplier
    fs_pipeline: np.ndarray  # Field Sales: appointment -> pipeline multiplier
    fs_win: np.ndarray  # Field Sales: win-rate multiplier
    customer: np.ndarray  # customer / market: pipeline and win
    is_dip_months: tuple[int, ...]
    fs_volatile_months: int

    @classmethod
    def draw(cls, seed: int, timeline: Timeline) -> DepartmentFactors:
        g = rng.stream(seed, rng.FACTORS)
        months = timeline.months
        m = np.arange(months)

        def lognormal(sd: np.ndarray | float) -> np.ndarray:
            sd = np.broadcast_to(np.asarray(sd, dtype=np.float64), (months,))
            return np.exp(g.normal(0.0, 1.0, months) * sd - sd**2 / 2)

        season = catalog.MONTH_SEASONALITY[timeline.calendar_month - 1]
        growth = np.exp(0.012 * m)
        # Lead volume swings most, and persistently (campaign budgets and mix change over
        # quarters, not days): an AR(1) log-series, the variance that every downstream
        # department inherits in the article.
        persistence, volume_sd = 0.8, 0.3
        shocks = g.normal(0.0, 1.0, months)
        level = np.empty(months)
        level[0] = shocks[0]
        for month in range(1, months):
            level[month] = persistence * level[month - 1] + np.sqrt(1 - persistence**2) * shocks[month]
        lead_volume = season * growth * np.exp(volume_sd * level - volume_sd**2 / 2)

        # IS: noisy while the team is being built (first ~6 months), steady afterwards,
        # with staffing dips in two months (one early, one later and milder).
        is_sd = np.where(m < 6, 0.12, 0.045)
        is_appointment = lognormal(is_sd)
        dips: list[int] = []
        if months >= 4:
            dips.append(int(g.integers(1, min(6, months - 1))))
        if months >= 12:
            dips.append(int(g.integers(months // 2, months - 2)))
        for k, month in enumerate(dips):
            is_appointment[month] *= 0.72 if k == 0 else 0.86

        # Field Sales: volatile appointment -> pipeline conversion in the first 40% of months,
        # stable afterwards (the story where Marketing becomes ready to own pipeline).
        volatile = int(np.ceil(0.4 * months))
        fs_pipeline = lognormal(np.where(m < volatile, 0.30, 0.04))
        fs_win = lognormal(0.08)
        customer = lognormal(0.06)
        return cls(
            lead_volume=lead_volume,
            is_appointment=is_appointment,
            fs_pipeline=fs_pipeline,
            fs_win=fs_win,
            customer=customer,
            is_dip_months=tuple(dips),
            fs_volatile_months=volatile,
        )

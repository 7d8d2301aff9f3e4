"""Campaigns: one parent per channel and calendar year, child campaigns that source leads."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from . import catalog, rng
from .config import GeneratorConfig
from .frame import DAY, Frame, strings, vocab_take
from .ids import make_ids
from .staff import Staff
from .timeline import HOUR, Timeline, from_days, to_days


@dataclass(frozen=True)
class Campaigns:
    """Child campaigns by (month, channel) for sourcing and responses, plus their windows."""

    channel: np.ndarray  # per campaign (parents included)
    is_child: np.ndarray
    first_day: np.ndarray  # inclusive
    last_day: np.ndarray  # inclusive
    candidates: np.ndarray  # (months, channels, k) campaign indices, -1 padded
    candidate_cdf: np.ndarray  # (months, channels, k) cumulative overlap weights
    available: np.ndarray  # (months, channels) bool: any child active in that month
    channel_mix: np.ndarray  # (months, channels) probability of a new lead's channel


# --- campaigns ------------------------------------------------------------------------------
_TOPICS = (
    "Revenue Analytics 101",
    "Forecasting Best Practices",
    "Pipeline Hygiene",
    "Data-Driven Sales",
    "Board Reporting",
    "Customer Stories",
    "Product Tour",
    "Benchmark Report",
    "ROI Calculator",
    "Security Deep Dive",
    "Automation Playbook",
    "Quarterly Planning",
)
_SHOW_CITIES = (
    ("Las Vegas", 0),
    ("Berlin", 1),
    ("London", 2),
    ("Chicago", 0),
    ("Tokyo", 3),
    ("Paris", 1),
    ("San Francisco", 0),
    ("Amsterdam", 1),
    ("New York", 0),
    ("Austin", 0),
)
_SHOW_MONTHS = np.array([1, 2, 3, 4, 5, 6, 7, 9, 10, 11])  # no trade shows in August, December
_PLATFORMS = ("Google Ads", "LinkedIn Ads", "Bing Ads")
_PARTNERS = ("Northwind Consulting", "Contoso Partners", "Fabrikam Systems", "Tailspin Group")


def children_per_channel_year(leads: int) -> int:
    return int(np.clip(round(6 + 2 * np.log2(max(leads, 1) / 1000)), 8, 14))


def _child_windows(
    g: np.random.Generator, channel: int, year: int, k: int
) -> tuple[np.ndarray, np.ndarray]:
    """Inclusive [first, last] day numbers of a channel's k child campaigns in a year."""
    y0 = to_days(from_days(0).replace(year=year))
    y1 = to_days(from_days(0).replace(year=year + 1))
    if channel == catalog.CH_TRADE_SHOW:
        months = _SHOW_MONTHS[np.floor(np.arange(k) * len(_SHOW_MONTHS) / k).astype(int)]
        firsts = np.array(
            [to_days(from_days(0).replace(year=year, month=int(mo), day=1)) for mo in months]
        ) + g.integers(0, 24, k)
        return firsts, firsts + g.integers(1, 4, k)
    bounds = y0 + np.round(np.arange(k + 1) * (y1 - y0) / k).astype(np.int64)
    jitter = g.integers(-3, 4, k + 1)
    jitter[0] = jitter[-1] = 0
    bounds = bounds + jitter
    return bounds[:-1], bounds[1:] - 1


def build_campaigns(
    config: GeneratorConfig,
    timeline: Timeline,
    month_lead_share: np.ndarray,
    rates: np.ndarray,
    marketing: Staff,
) -> tuple[Frame, Campaigns]:
    # One stream for all phases: keep their order (rows, then costs, then stamps and owners).
    g = rng.stream(config.seed, rng.CAMPAIGNS)
    rows = _campaign_rows(g, timeline, children_per_channel_year(config.leads))
    columns = _Columns.of(rows)
    campaigns, overlap = _sourcing(timeline, columns)
    mix = campaigns.channel_mix
    expected_leads = _expected_leads(config.leads, month_lead_share, mix, columns, overlap)
    frame = _campaign_frame(g, timeline, rates, marketing, columns, expected_leads)
    return frame, campaigns


def _campaign_rows(g: np.random.Generator, timeline: Timeline, k: int) -> list[dict]:
    """A parent per channel and calendar year, then its (up to) k children in the timeline."""
    rows: list[dict] = []
    first_year = int(timeline.calendar_year[0])
    last_year = int(timeline.calendar_year[-1])
    for year in range(first_year, last_year + 1):
        for ch in range(len(catalog.CHANNELS)):
            firsts, lasts = _child_windows(g, ch, year, k)
            created = firsts - g.integers(14, 61, k)
            keep = (lasts >= timeline.start_day) & (created <= timeline.end_day)
            if not keep.any():
                continue
            parent_index = len(rows)
            rows.append(
                {
                    "channel": ch,
                    "child": False,
                    "first": to_days(from_days(0).replace(year=year)),
                    "last": to_days(from_days(0).replace(year=year + 1)) - 1,
                    "created": min(
                        to_days(from_days(0).replace(year=year)) - int(g.integers(20, 61)),
                        timeline.end_day,
                    ),
                    "name": f"{year} {catalog.CHANNELS[ch]} programme",
                    "parent": -1,
                    "currency": 0,
                }
            )
            for j in np.flatnonzero(keep):
                name, currency = _child_name(g, ch, year, j, from_days(int(firsts[j])))
                rows.append(
                    {
                        "channel": ch,
                        "child": True,
                        "first": int(firsts[j]),
                        "last": int(lasts[j]),
                        "created": int(created[j]),
                        "name": name,
                        "parent": parent_index,
                        "currency": currency,
                    }
                )
    return rows


def _child_name(
    g: np.random.Generator, ch: int, year: int, j: int, start: dt.date
) -> tuple[str, int]:
    """Name and currency of the j-th child campaign of a channel, starting on `start`."""
    stamp = f"{start.year}-{start.month:02d}"
    currency = 0
    if ch == catalog.CH_TRADE_SHOW:
        city, currency = _SHOW_CITIES[int(g.integers(0, len(_SHOW_CITIES)))]
        name = f"{city} Revenue Summit {year}"
    elif ch == catalog.CH_WEBINAR:
        name = f"{stamp} Webinar: {_TOPICS[int(g.integers(0, len(_TOPICS)))]}"
    elif ch == catalog.CH_PAID_SEARCH:
        platform = _PLATFORMS[int(g.integers(0, len(_PLATFORMS)))]
        name = f"{stamp} Paid Search - {platform}"
    elif ch == catalog.CH_CONTENT:
        name = f"{stamp} Content - {_TOPICS[int(g.integers(0, len(_TOPICS)))]} eBook"
    elif ch == catalog.CH_REFERRAL:
        name = f"{stamp} Customer Referral Rewards"
    elif ch == catalog.CH_EMAIL:
        name = f"{stamp} Email Nurture #{j + 1}"
        if g.random() < 0.15:
            currency = 1
    else:
        name = f"{stamp} Partner - {_PARTNERS[int(g.integers(0, len(_PARTNERS)))]}"
    return name, currency


@dataclass(frozen=True)
class _Columns:
    """The campaign rows as arrays, one entry per campaign (parents included)."""

    names: list[str]
    channel: np.ndarray
    is_child: np.ndarray
    first: np.ndarray  # inclusive day number
    last: np.ndarray  # inclusive day number
    created_day: np.ndarray
    parent: np.ndarray  # row index of the parent, -1 for a parent
    currency: np.ndarray

    @classmethod
    def of(cls, rows: list[dict]) -> _Columns:
        return cls(
            names=[r["name"] for r in rows],
            channel=np.array([r["channel"] for r in rows], dtype=np.int64),
            is_child=np.array([r["child"] for r in rows], dtype=bool),
            first=np.array([r["first"] for r in rows], dtype=np.int64),
            last=np.array([r["last"] for r in rows], dtype=np.int64),
            created_day=np.array([r["created"] for r in rows], dtype=np.int64),
            parent=np.array([r["parent"] for r in rows], dtype=np.int64),
            currency=np.array([r["currency"] for r in rows], dtype=np.int64),
        )

    @property
    def n(self) -> int:
        return len(self.names)


def _sourcing(timeline: Timeline, columns: _Columns) -> tuple[Campaigns, np.ndarray]:
    """Which children can source a lead in each month, weighted by their days in the month.

    Returns the campaigns and the (months, campaigns) overlap in days."""
    channel, is_child, first, last = columns.channel, columns.is_child, columns.first, columns.last
    n_ch = len(catalog.CHANNELS)
    months = timeline.months
    lo = np.maximum(first[None, :], timeline.month_start[:-1, None])
    hi = np.minimum(last[None, :] + 1, timeline.window_end[:, None])
    overlap = np.where(is_child[None, :], np.maximum(hi - lo, 0), 0).astype(np.float64)
    width = 1
    for ch in range(n_ch):
        width = max(width, int((overlap[:, channel == ch] > 0).sum(axis=1).max(initial=0)))
    candidates = np.full((months, n_ch, width), -1, dtype=np.int64)
    cdf = np.ones((months, n_ch, width), dtype=np.float64)
    available = np.zeros((months, n_ch), dtype=bool)
    for m in range(months):
        for ch in range(n_ch):
            idx = np.flatnonzero((channel == ch) & (overlap[m] > 0))
            if idx.size:
                w = overlap[m, idx]
                candidates[m, ch, : idx.size] = idx
                cdf[m, ch, : idx.size] = np.cumsum(w) / w.sum()
                available[m, ch] = True
    mix = catalog.CHANNEL_SHARE[None, :] * available
    mix = mix / mix.sum(axis=1, keepdims=True)
    campaigns = Campaigns(
        channel=channel,
        is_child=is_child,
        first_day=first,
        last_day=last,
        candidates=candidates,
        candidate_cdf=cdf,
        available=available,
        channel_mix=mix,
    )
    return campaigns, overlap


def _expected_leads(
    leads: int,
    month_lead_share: np.ndarray,
    mix: np.ndarray,
    columns: _Columns,
    overlap: np.ndarray,
) -> np.ndarray:
    """The leads each campaign is expected to bring: its share of its channel's monthly leads."""
    channel = columns.channel
    share_in_cell = np.zeros_like(overlap)
    for ch in range(len(catalog.CHANNELS)):
        cols = channel == ch
        tot = overlap[:, cols].sum(axis=1, keepdims=True)
        share_in_cell[:, cols] = np.divide(
            overlap[:, cols], tot, out=np.zeros_like(overlap[:, cols]), where=tot > 0
        )
    return (leads * month_lead_share[:, None] * mix[:, channel] * share_in_cell).sum(axis=0)


def _campaign_frame(
    g: np.random.Generator,
    timeline: Timeline,
    rates: np.ndarray,
    marketing: Staff,
    columns: _Columns,
    expected_leads: np.ndarray,
) -> Frame:
    n, first, last, currency = columns.n, columns.first, columns.last, columns.currency
    status = np.where(last < timeline.end_day, 0, np.where(first <= timeline.end_day, 1, 2))
    budget, actual, expected_response = _costs(g, timeline, rates, columns, expected_leads, status)
    created_ts = columns.created_day * DAY + 9 * HOUR + g.integers(0, 8 * HOUR, n)
    mod_candidates = np.where(
        status == 0,
        (last + g.integers(1, 21, n)) * DAY + 10 * HOUR,
        timeline.end_ts - g.integers(HOUR, 10 * DAY, n),
    )
    modstamp = np.clip(mod_candidates, created_ts + 60, timeline.end_ts)
    modstamp = np.maximum(modstamp, created_ts)
    owner_month = timeline.month_of_day(np.clip(columns.created_day, timeline.start_day, None))
    owner = marketing.pick(g, owner_month)
    status_names = ("Completed", "In Progress", "Planned")
    parent = columns.parent
    return {
        "id": make_ids("campaign", np.arange(1, n + 1)),
        "name": strings(columns.names),
        "type": vocab_take(catalog.CHANNELS, columns.channel),
        "status": vocab_take(status_names, status),
        "parent_id": make_ids("campaign", np.where(parent >= 0, parent + 1, -1)),
        "start_date": first,
        "end_date": last,
        "budgeted_cost": budget,
        "actual_cost": actual,
        "expected_response": expected_response,
        "is_active": status > 0,
        "owner_id": make_ids("user", owner),
        "currency_iso_code": vocab_take(catalog.CURRENCIES, currency),
        "is_deleted": np.zeros(n, dtype=bool),
        "created_date": created_ts,
        "system_modstamp": modstamp,
    }


def _costs(
    g: np.random.Generator,
    timeline: Timeline,
    rates: np.ndarray,
    columns: _Columns,
    expected_leads: np.ndarray,
    status: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Budget, actual cost and expected response of the children (NaN on parents).

    Budgets follow the volume each campaign is expected to bring (cost per lead by channel)."""
    n, channel, is_child = columns.n, columns.channel, columns.is_child
    first, last = columns.first, columns.last
    fixed_cost = catalog.CHANNEL_FIXED_COST[channel]
    per_lead = catalog.CHANNEL_COST_PER_LEAD[channel]
    budget_usd = (fixed_cost + per_lead * expected_leads) * np.exp(g.normal(0.0, 0.2, n))
    rate_month = timeline.month_of_day(first)
    rate = rates[rate_month, columns.currency]
    budget = np.round(budget_usd * rate / 100.0) * 100.0
    elapsed = np.clip((timeline.end_day - first + 1) / np.maximum(last - first + 1, 1), 0, 1)
    actual = budget * np.exp(g.normal(0.0, 0.12, n)) * np.where(status == 1, elapsed, 1.0)
    actual = np.round(actual, 2)
    actual_missing = (status == 2) | (g.random(n) < 0.12)
    budget = np.where(is_child, budget, np.nan)
    actual = np.where(is_child & ~actual_missing, actual, np.nan)
    expected_response = np.where(
        is_child,
        np.round(catalog.CHANNEL_EXPECTED_RESPONSE[channel] * np.exp(g.normal(0, 0.2, n)), 1),
        np.nan,
    )
    return budget, actual, expected_response

"""The company around the funnel: roles, users, currencies and exchange rates.

Everything here is generated once per run (not per chunk) from the run seed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import catalog, rng
from .campaigns import Campaigns, build_campaigns
from .config import GeneratorConfig
from .frame import DAY, Frame, strings, vocab_take
from .ground_truth import DEMO_LAGS, SCENARIOS, ScenarioDraw, StageLags
from .ids import make_ids
from .staff import Staff
from .timeline import HOUR, DepartmentFactors, Timeline

# --- roles ----------------------------------------------------------------------------------
ROLE_CEO, ROLE_MKT_MGR, ROLE_MKT, ROLE_IS_MGR, ROLE_IS, ROLE_FS_MGR, ROLE_AE, ROLE_CS, ROLE_OPS = (
    range(9)
)
#: (developer_name, label, parent role index, user title, free-text department)
ROLES: tuple[tuple[str, str, int, str, str], ...] = (
    ("CEO", "CEO", -1, "Chief Executive Officer", "Executive"),
    ("Marketing_Manager", "Marketing Manager", ROLE_CEO, "Head of Marketing", "Marketing"),
    (
        "Marketing_Specialist",
        "Marketing Specialist",
        ROLE_MKT_MGR,
        "Marketing Specialist",
        "Marketing",
    ),
    ("IS_Manager", "Inside Sales Manager", ROLE_CEO, "Inside Sales Manager", "Sales"),
    (
        "IS_Rep",
        "Inside Sales Representative",
        ROLE_IS_MGR,
        "Sales Development Representative",
        "Sales",
    ),
    ("FS_Manager", "Field Sales Manager", ROLE_CEO, "VP Sales", "Sales"),
    ("Account_Executive", "Account Executive", ROLE_FS_MGR, "Account Executive", "Sales"),
    (
        "Customer_Success",
        "Customer Success Manager",
        ROLE_CEO,
        "Customer Success Manager",
        "Customer Success",
    ),
    ("Sales_Ops", "Sales Operations", ROLE_CEO, "Sales Operations Analyst", "Sales"),
)


@dataclass(frozen=True)
class Org:
    """Reference tables plus the lookups the per-chunk simulation needs."""

    timeline: Timeline
    factors: DepartmentFactors
    month_lead_share: np.ndarray  # share of all leads created in each month
    rates: np.ndarray  # (months, currencies) units per USD
    is_reps: Staff
    account_execs: Staff
    sales_ops_user: int  # user counter, or -1
    campaigns: Campaigns
    tables: dict[str, Frame]
    #: The designed processes of --scenario (None: the default demo, driven by ``factors``).
    scenario: ScenarioDraw | None = None

    @property
    def lags(self) -> StageLags:
        """How long each stage takes: the scenario's, else the default demo's."""
        return self.scenario.truth.lags if self.scenario is not None else DEMO_LAGS


def build_org(config: GeneratorConfig) -> Org:
    timeline = Timeline.build(config.end_date, config.months)
    scenario = None
    if config.scenario is None:
        factors = DepartmentFactors.draw(config.seed, timeline)
        weight = factors.lead_volume * timeline.days_in_window / 30.4
    else:
        scenario = SCENARIOS[config.scenario].draw(config.seed, timeline)
        factors = _scenario_factors(scenario)
        weight = scenario.lead_weight  # every month weighs the same: the design is per month
    month_lead_share = weight / weight.sum()

    tables: dict[str, Frame] = {}
    roles_frame, role_count = _roles(config, timeline)
    tables["user_role"] = roles_frame
    users_frame, is_reps, aes, marketing, ops_user = _users(config, timeline, role_count)
    tables["user"] = users_frame
    currency_frame, rates_frame, rates = _currencies(config, timeline)
    tables["currency_type"] = currency_frame
    tables["dated_conversion_rate"] = rates_frame
    campaign_frame, campaigns = build_campaigns(
        config, timeline, month_lead_share, rates, marketing
    )
    tables["campaign"] = campaign_frame
    return Org(
        timeline=timeline,
        factors=factors,
        month_lead_share=month_lead_share,
        rates=rates,
        is_reps=is_reps,
        account_execs=aes,
        sales_ops_user=ops_user,
        campaigns=campaigns,
        tables=tables,
        scenario=scenario,
    )


def _scenario_factors(draw: ScenarioDraw) -> DepartmentFactors:
    """The scenario's processes in the default demo's shape, for what still reads it (the mix
    of loss reasons); the funnel itself reads the scenario's per-cohort rates."""
    truth = draw.truth
    return DepartmentFactors(
        lead_volume=draw.lead_weight,
        is_appointment=draw.rates["appointment"] / truth.base_rate("appointment"),
        fs_pipeline=draw.rates["pipeline"] / truth.base_rate("pipeline"),
        fs_win=draw.rates["won"] / truth.base_rate("won"),
        customer=np.exp(draw.log_process.get("customer", np.zeros(len(draw.lead_weight)))),
        is_dip_months=(),
        fs_volatile_months=0,
    )


def _roles(config: GeneratorConfig, timeline: Timeline) -> tuple[Frame, int]:
    count = len(ROLES) if config.has("unmapped") else len(ROLES) - 1
    counters = np.arange(1, count + 1, dtype=np.int64)
    parents = np.array([ROLES[i][2] for i in range(count)], dtype=np.int64)
    modstamp = (timeline.start_day - 400) * DAY + 9 * HOUR + counters * 60
    frame: Frame = {
        "id": make_ids("user_role", counters),
        "name": strings([ROLES[i][1] for i in range(count)]),
        "developer_name": strings([ROLES[i][0] for i in range(count)]),
        "parent_role_id": make_ids("user_role", np.where(parents >= 0, parents + 1, -1)),
        "system_modstamp": modstamp,
    }
    return frame, count


def _headcount(leads: int) -> dict[int, int]:
    return {
        ROLE_CEO: 1,
        ROLE_MKT_MGR: 1,
        ROLE_MKT: max(3, round(leads / 1000)) - 1,
        ROLE_IS_MGR: 1,
        ROLE_IS: max(6, round(leads / 400)),
        ROLE_FS_MGR: 1,
        ROLE_AE: max(6, round(leads / 500)),
        ROLE_CS: 2 if leads < 20_000 else 3,
    }


def _users(
    config: GeneratorConfig, timeline: Timeline, role_count: int
) -> tuple[Frame, Staff, Staff, Staff, int]:
    g = rng.stream(config.seed, rng.ORG)
    heads = _headcount(config.leads)
    if role_count > ROLE_OPS:
        heads[ROLE_OPS] = 1
    role = np.concatenate([np.full(n, r, dtype=np.int64) for r, n in heads.items()])
    n = len(role)
    months = timeline.months
    # Hire month (-1 = before the history) and leaving month (months = still here).
    hired = np.full(n, -1, dtype=np.int64)
    left = np.full(n, months, dtype=np.int64)
    reps = np.isin(role, [ROLE_MKT, ROLE_IS, ROLE_AE])
    if months >= 6:
        late = reps & (g.random(n) < 0.10)
        hired[late] = g.integers(1, months - 1, late.sum())
        leaving = reps & ~late & (g.random(n) < 0.08)
        left[leaving] = g.integers(max(2, months // 5), max(3, (4 * months) // 5), leaving.sum())
        # a few inactive users at demo scale too: one per department at least
        for r in (ROLE_MKT, ROLE_IS, ROLE_AE):
            members = np.flatnonzero((role == r) & ~late)
            if members.size > 3 and not (left[members] < months).any():
                left[members[-1]] = months // 2
    active = left >= months

    hire_day = np.where(
        hired < 0,
        timeline.start_day - g.integers(30, 900, n),
        timeline.month_start[np.clip(hired, 0, months - 1)] + g.integers(0, 20, n),
    )
    created = hire_day * DAY + 8 * HOUR + g.integers(0, 8 * HOUR, n)
    left_day = np.where(active, timeline.end_day, timeline.month_start[np.clip(left, 0, months)])
    modstamp = np.where(
        active,
        np.maximum(created + HOUR, timeline.end_ts - g.integers(DAY, 60 * DAY, n)),
        left_day * DAY - g.integers(HOUR, 20 * HOUR, n),
    )
    modstamp = np.maximum(modstamp, created + 60)
    first = g.integers(0, len(catalog.FIRST_NAMES), n)
    last = g.integers(0, len(catalog.LAST_NAMES), n)
    counters = np.arange(1, n + 1, dtype=np.int64)
    names = [
        f"{catalog.FIRST_NAMES[a]} {catalog.LAST_NAMES[b]}"
        for a, b in zip(first, last, strict=True)
    ]
    emails = [
        f"{catalog.FIRST_NAMES[a].lower()}.{catalog.LAST_NAMES[b].lower()}.{c}"
        "@revenuefunnel-demo.example.org"
        for a, b, c in zip(first, last, counters, strict=True)
    ]
    department = np.array([ROLES[r][4] for r in role], dtype=object)
    # IS reps are split between two spellings of the free-text department (not used for the
    # funnel, which goes by role).
    is_rep = role == ROLE_IS
    department[is_rep & (g.random(n) < 0.4)] = "Sales Development"
    frame: Frame = {
        "id": make_ids("user", counters),
        "name": strings(names),
        "email": strings(emails),
        "user_role_id": make_ids("user_role", role + 1),
        "title": strings([ROLES[r][3] for r in role]),
        "department": strings(department.tolist()),
        "is_active": active,
        "created_date": created,
        "system_modstamp": modstamp,
    }
    month_idx = np.arange(months)[:, None]
    working = (hired[None, :] <= month_idx) & (left[None, :] > month_idx)

    def staff(r: int) -> Staff:
        members = np.flatnonzero(role == r)
        ok = working[:, members]
        # never leave a month without anyone in the team
        empty = ~ok.any(axis=1)
        ok[empty] = True
        count = ok.sum(axis=1)
        pool = np.zeros((months, len(members)), dtype=np.int64)
        for m in range(months):
            chosen = members[ok[m]]
            pool[m, : len(chosen)] = chosen + 1  # user counters are 1-based
        return Staff(pool=pool, count=count)

    marketing = staff(ROLE_MKT)
    ops_user = int(np.flatnonzero(role == ROLE_OPS)[0] + 1) if role_count > ROLE_OPS else -1
    return frame, staff(ROLE_IS), staff(ROLE_AE), marketing, ops_user


def _currencies(config: GeneratorConfig, timeline: Timeline) -> tuple[Frame, Frame, np.ndarray]:
    g = rng.stream(config.seed, rng.RATES)
    months = timeline.months
    k = len(catalog.CURRENCIES)
    steps = g.normal(0.0, 0.012, (months, k))
    steps[:, 0] = 0.0
    rates = catalog.CURRENCY_RATE[None, :] * np.exp(np.cumsum(steps, axis=0))
    rates[:, 0] = 1.0
    digits = np.where(catalog.CURRENCY_RATE >= 10, 2, 4)
    rates = np.round(rates * 10.0 ** digits[None, :]) / 10.0 ** digits[None, :]

    created = (timeline.start_day - 420) * DAY + 10 * HOUR + np.arange(k) * 60
    currency: Frame = {
        "id": make_ids("currency_type", np.arange(1, k + 1)),
        "iso_code": strings(list(catalog.CURRENCIES)),
        "conversion_rate": rates[-1].copy(),
        "is_corporate": np.arange(k) == 0,
        "is_active": np.ones(k, dtype=bool),
        "decimal_places": catalog.CURRENCY_DECIMALS.astype(np.int64),
        "created_date": created,
        "system_modstamp": np.where(
            np.arange(k) == 0, created, timeline.month_start[-2] * DAY + 6 * HOUR
        ),
    }
    m_idx = np.repeat(np.arange(months), k)
    c_idx = np.tile(np.arange(k), months)
    counters = np.arange(1, months * k + 1, dtype=np.int64)
    # rates are entered a few days before the month starts
    created_rates = (timeline.month_start[m_idx] - 3) * DAY + 7 * HOUR + c_idx * 60
    keep = np.ones(months * k, dtype=bool)
    if config.has("missing_rates") and months >= 3:
        keep &= ~((m_idx == months // 2) & (c_idx == catalog.CURRENCIES.index("EUR")))
    rate_frame: Frame = {
        "id": make_ids("dated_conversion_rate", counters[keep]),
        "iso_code": vocab_take(catalog.CURRENCIES, c_idx[keep]),
        "conversion_rate": rates[m_idx, c_idx][keep],
        "start_date": timeline.month_start[m_idx][keep],
        "next_start_date": timeline.month_start[m_idx + 1][keep],
        "created_date": created_rates[keep],
        "system_modstamp": created_rates[keep] + 120,
    }
    return currency, rate_frame, rates

"""Lead conversion and the Field Sales deal cycle: accounts, contacts, opportunities, history."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import catalog, rng, vec
from .config import DIRT_KINDS, GeneratorConfig
from .frame import DAY, NULL, Frame, vocab_take
from .ids import NO_ID, make_ids
from .leads import Leads, employee_band, join, lead_companies, lead_emails
from .org import Org
from .timeline import HOUR, business_day_offset, business_time

#: Share of conversions that attach to an account already created for the same company.
ACCOUNT_REUSE = 0.22

# History slots, in time order.
(
    SL_APPOINTMENT,
    SL_LEGACY,
    SL_QUALIFICATION,
    SL_AMOUNT_CHANGE,
    SL_PROPOSAL,
    SL_NEGOTIATION,
    SL_CLOSE,
    SL_REOPEN,
    SL_REOPEN_WON,
) = range(9)
N_SLOTS = 9


@dataclass
class Deals:
    """One opportunity per conversion, in booking order."""

    lead: np.ndarray  # chunk lead index
    opp_counter: np.ndarray
    contact_counter: np.ndarray
    account_counter: np.ndarray  # account of the opportunity
    owner: np.ndarray  # AE user counter
    created_ts: np.ndarray  # conversion = opportunity creation
    pipeline_ts: np.ndarray  # reached Qualification (NULL if not, or not yet)
    final_ts: np.ndarray  # time of the last stage/amount change
    planned_close_ts: np.ndarray  # closing time of the simulated cycle (may be after the end)
    frames: dict[str, Frame]

    @property
    def n(self) -> int:
        return len(self.lead)


def pipeline_fit_multiplier(fit: np.ndarray) -> np.ndarray:
    return 0.45 + 0.75 * fit


def win_fit_multiplier(fit: np.ndarray) -> np.ndarray:
    return 0.55 + 0.65 * fit


def loss_reasons(
    g: np.random.Generator, mix: np.ndarray, sales_factor: np.ndarray, customer: np.ndarray
) -> np.ndarray:
    """Loss reasons: a weak sales month shifts losses to controllable reasons, a weak
    market month to customer-side ones."""
    side = catalog.CUSTOMER_SIDE_LOSS[None, :]
    weight = mix[None, :] * np.where(
        side, (1.0 / customer[:, None]) ** 2, (1.0 / sales_factor[:, None]) ** 2
    )
    return vec.sample_rows(g, np.cumsum(weight / weight.sum(axis=1, keepdims=True), axis=1))


def simulate_deals(config: GeneratorConfig, org: Org, chunk: int, leads: Leads, base: int) -> Deals:
    """Convert the leads that booked an appointment and run their opportunities.

    Reused accounts copy the company fields (name, size, country) onto the converting lead:
    it is the same company.

    The phases below draw from the deal and account streams in a fixed order: the output of a
    seed depends on it, so keep the calls in this order.
    """
    run = _Run.start(config, org, chunk, leads, base)
    links = _link_accounts(run)
    _copy_firmographics(run, links.root)
    owner = _assign_owners(run, links)
    price = _price_deals(run)
    cycle = _run_stage_machine(run)
    _inject_unmapped_legacy(run, cycle)
    cycle.valid &= cycle.ts <= org.timeline.end_ts
    amount = _amount_slots(run, price, cycle)
    close = _close_date_slots(run, cycle)
    outcome = _outcome(run, cycle, amount, close)

    opp_counter = base + 1 + np.arange(run.k, dtype=np.int64)
    contact_counter = opp_counter
    account_counter = base + 1 + links.account_of
    opportunity = _opportunity_frame(
        run,
        outcome,
        opp_counter=opp_counter,
        contact_counter=contact_counter,
        account_counter=account_counter,
        owner=owner,
        currency=price.currency,
        creator=links.creator,
    )
    history = _history_frame(run, cycle, amount, close, owner, opp_counter)
    account = _account_frame(run, links, owner, outcome)
    contact = _contact_frame(run, owner, contact_counter, account_counter)
    return Deals(
        lead=run.conv,
        opp_counter=opp_counter,
        contact_counter=contact_counter,
        account_counter=account_counter,
        owner=owner,
        created_ts=run.t0,
        pipeline_ts=np.where(cycle.valid[:, SL_QUALIFICATION], cycle.tq, NULL),
        final_ts=outcome.ts,
        planned_close_ts=np.where(cycle.reopen, cycle.tw, cycle.tc),
        frames={
            "opportunity": opportunity,
            "opportunity_history": history,
            "account": account,
            "contact": contact,
        },
    )


@dataclass
class _Run:
    """What every phase of one chunk's deal simulation shares."""

    config: GeneratorConfig
    org: Org
    chunk: int
    leads: Leads
    base: int  # counter offset of the chunk's records
    g: np.random.Generator  # deal stream: owners, amounts, the stage machine, outcomes
    a: np.random.Generator  # account stream: account reuse, account and contact fields
    conv: np.ndarray  # chunk lead index of each conversion, in booking order
    t0: np.ndarray  # booking = conversion = opportunity creation
    m0: np.ndarray  # timeline month of t0

    @classmethod
    def start(cls, config: GeneratorConfig, org: Org, chunk: int, leads: Leads, base: int) -> _Run:
        g = rng.stream(config.seed, rng.DEALS, chunk)
        a = rng.stream(config.seed, rng.ACCOUNTS, chunk)
        conv = np.flatnonzero(leads.appointment)
        conv = conv[np.argsort(leads.booking_ts[conv], kind="stable")]
        t0 = leads.booking_ts[conv]
        m0 = org.timeline.month_of_ts(t0)
        return cls(config, org, chunk, leads, base, g, a, conv, t0, m0)

    @property
    def k(self) -> int:
        return len(self.conv)


# --- accounts: ~22% of conversions land on an existing account of the same company ----------


@dataclass
class _AccountLinks:
    root: np.ndarray  # conversion position of the account's first conversion
    creator: np.ndarray  # this conversion created its account
    account_of: np.ndarray  # account index in creation order


def _link_accounts(run: _Run) -> _AccountLinks:
    a, leads, conv, k = run.a, run.leads, run.conv, run.k
    key = leads.industry[conv] * 5 + employee_band(leads.employees[conv])
    order = np.lexsort((np.arange(k), key))
    sorted_key = key[order]
    group_start = np.searchsorted(sorted_key, sorted_key, side="left")
    rank = np.arange(k) - group_start
    reuse_sorted = (rank > 0) & (a.random(k) < ACCOUNT_REUSE / 0.93)
    pick = group_start + np.floor(a.random(k) * np.maximum(rank, 1)).astype(np.int64)
    parent_sorted = np.where(reuse_sorted, pick, np.arange(k))
    root_sorted = parent_sorted.copy()
    while True:
        nxt = parent_sorted[root_sorted]
        if np.array_equal(nxt, root_sorted):
            break
        root_sorted = nxt
    root = np.empty(k, dtype=np.int64)
    root[order] = order[root_sorted]  # conversion position of the account's first conversion
    creator = root == np.arange(k)
    account_local = np.cumsum(creator) - 1  # account index in creation order
    return _AccountLinks(root=root, creator=creator, account_of=account_local[root])


def _copy_firmographics(run: _Run, root: np.ndarray) -> None:
    """The same company: copy firmographics from the account's first lead (in place)."""
    src = run.conv[root]
    for field in ("company_head", "company_tail", "company_noun", "employees", "country"):
        arr = getattr(run.leads, field)
        arr[run.conv] = arr[src]


def _assign_owners(run: _Run, links: _AccountLinks) -> np.ndarray:
    """AE of each opportunity; most deals on a reused account stay with its owner."""
    g = run.g
    owner = run.org.account_execs.pick(g, run.m0)
    keep_owner = (~links.creator) & (g.random(run.k) < 0.7)
    return np.where(keep_owner, owner[links.root], owner)


# --- currency and deal size ------------------------------------------------------------------


@dataclass
class _Pricing:
    currency: np.ndarray  # index into catalog.CURRENCIES
    amount_usd: np.ndarray  # deal size at creation, USD
    rate: np.ndarray  # conversion rate of the creation month
    unit: np.ndarray  # rounding unit of the currency

    def money(self, usd: np.ndarray) -> np.ndarray:
        return np.maximum(np.round(usd * self.rate / self.unit), 1) * self.unit


def _price_deals(run: _Run) -> _Pricing:
    g, leads, conv, k = run.g, run.leads, run.conv, run.k
    country = leads.country[conv]
    local = catalog.COUNTRY_CURRENCY[country]
    currency = np.where(g.random(k) < catalog.LOCAL_CURRENCY_SHARE, local, 0)
    scenario = run.org.scenario
    if scenario is None:
        size = (np.maximum(leads.employees[conv], 1) / 300.0) ** 0.22
        amount_usd = catalog.MEDIAN_DEAL_USD * size * np.exp(g.normal(0.0, 0.55, k))
    else:
        # the cohort's median deal times a deal's own spread, all in USD
        currency = np.zeros(k, dtype=currency.dtype)
        truth = scenario.truth
        median = truth.deal_size_usd * scenario.deal_size[leads.month[conv]]
        amount_usd = median * np.exp(g.normal(0.0, truth.deal_log_sd, k))
    return _Pricing(
        currency=currency,
        amount_usd=amount_usd,
        rate=run.org.rates[run.m0, currency],
        unit=np.where(currency == catalog.CURRENCIES.index("JPY"), 10_000.0, 100.0),
    )


# --- stage machine ---------------------------------------------------------------------------


@dataclass
class _Cycle:
    """The simulated stage machine: one row per conversion, one column per history slot."""

    skip: np.ndarray  # booked straight into Qualification
    pipeline: np.ndarray  # reached Qualification
    won: np.ndarray
    lost_at: np.ndarray  # last open stage: 0 Qualification, 1 Proposal, 2 Negotiation
    span: np.ndarray  # Qualification to close, seconds
    reopen: np.ndarray  # a lost deal reopened and won
    amount_change: np.ndarray  # amount changed in Qualification
    mq: np.ndarray  # timeline month of the drawn Qualification time (before office hours)
    ts: np.ndarray  # (k, N_SLOTS) slot times, in office hours and in order
    valid: np.ndarray  # (k, N_SLOTS) the slot happened
    stage: np.ndarray  # (k, N_SLOTS) stage of the slot

    @property
    def tq(self) -> np.ndarray:
        return self.ts[:, SL_QUALIFICATION]

    @property
    def tc(self) -> np.ndarray:
        return self.ts[:, SL_CLOSE]

    @property
    def tr(self) -> np.ndarray:
        return self.ts[:, SL_REOPEN]

    @property
    def tw(self) -> np.ndarray:
        return self.ts[:, SL_REOPEN_WON]


def _run_stage_machine(run: _Run) -> _Cycle:
    g, org, leads, conv, k, t0, m0 = run.g, run.org, run.leads, run.conv, run.k, run.t0, run.m0
    fit = leads.fit[conv]
    skip = leads.skip_appointment[conv]
    scenario, lags = org.scenario, org.lags
    if scenario is None:
        # the market moves pipeline creation less than it moves wins
        p_pipe = (
            catalog.PIPELINE_BASE
            * org.factors.fs_pipeline[m0]
            * org.factors.customer[m0] ** 0.4
            * pipeline_fit_multiplier(fit)
        )
    else:
        cohort = leads.month[conv]  # a scenario's rates are those of the lead's cohort month
        p_pipe = scenario.rates["pipeline"][cohort]
    pipeline = skip | (g.random(k) < np.clip(p_pipe, 0.0, 0.97))
    tq_day = business_day_offset(t0 // DAY + g.integers(*lags.qualification_days, k), 0)
    tq = np.where(skip, t0, np.maximum(tq_day * DAY + business_time(g, k), t0 + HOUR))
    mq = org.timeline.month_of_ts(tq)
    if scenario is None:
        p_win = (
            catalog.WIN_BASE
            * org.factors.fs_win[mq]
            * org.factors.customer[mq]
            * win_fit_multiplier(fit)
        )
    else:
        p_win = scenario.rates["won"][cohort]
    won = pipeline & (g.random(k) < np.clip(p_win, 0.0, 0.95))
    span_lo, span_hi = lags.close_span_days
    span = g.integers(span_lo * DAY, span_hi * DAY, k)
    lost_at = vec.categorical(g, np.array([0.4, 0.35, 0.25]), k)
    lost_at = np.where(won, 2, lost_at)
    tp = tq + (span * g.uniform(0.2, 0.4, k)).astype(np.int64)
    tn = tq + (span * g.uniform(0.55, 0.8, k)).astype(np.int64)
    early_close = t0 + g.integers(3 * DAY, 46 * DAY, k)
    tc = np.where(pipeline, tq + span, early_close)
    reopen_ok = pipeline & ~won & (lost_at >= 1)
    # a few lost deals reopen and win; none in a scenario (a win comes from the win rate alone)
    reopen_share = 0.02 if scenario is None else 0.0
    reopen = reopen_ok & (g.random(k) < reopen_share * k / max(int(reopen_ok.sum()), 1))
    tr = tc + g.integers(10 * DAY, 41 * DAY, k)
    tw = tr + g.integers(5 * DAY, 31 * DAY, k)
    amount_change = pipeline & (g.random(k) < (0.05 if scenario is None else 0.0))
    ta = tq + (span * g.uniform(0.05, 0.18, k)).astype(np.int64)

    cycle = _Cycle(
        skip=skip,
        pipeline=pipeline,
        won=won,
        lost_at=lost_at,
        span=span,
        reopen=reopen,
        amount_change=amount_change,
        mq=mq,
        ts=np.zeros((k, N_SLOTS), dtype=np.int64),
        valid=np.zeros((k, N_SLOTS), dtype=bool),
        stage=np.zeros((k, N_SLOTS), dtype=np.int64),
    )
    _fill_slots(g, cycle, t0=t0, tq=tq, ta=ta, tp=tp, tn=tn, tc=tc, tr=tr, tw=tw)
    _move_to_office_hours(g, cycle, t0)
    return cycle


def _fill_slots(
    g: np.random.Generator,
    cycle: _Cycle,
    *,
    t0: np.ndarray,
    tq: np.ndarray,
    ta: np.ndarray,
    tp: np.ndarray,
    tn: np.ndarray,
    tc: np.ndarray,
    tr: np.ndarray,
    tw: np.ndarray,
) -> None:
    """Time, validity and stage of every history slot (times not yet in office hours)."""
    ts, valid, stage = cycle.ts, cycle.valid, cycle.stage
    pipeline, lost_at, reopen = cycle.pipeline, cycle.lost_at, cycle.reopen
    ts[:, SL_APPOINTMENT], valid[:, SL_APPOINTMENT] = t0, ~cycle.skip
    stage[:, SL_APPOINTMENT] = catalog.SG_APPOINTMENT
    ts[:, SL_LEGACY] = t0 + ((tq - t0) * g.uniform(0.3, 0.7, len(t0))).astype(np.int64)
    stage[:, SL_LEGACY] = catalog.SG_LEGACY
    ts[:, SL_QUALIFICATION], valid[:, SL_QUALIFICATION] = tq, pipeline
    stage[:, SL_QUALIFICATION] = catalog.SG_QUALIFICATION
    ts[:, SL_AMOUNT_CHANGE], valid[:, SL_AMOUNT_CHANGE] = ta, cycle.amount_change
    stage[:, SL_AMOUNT_CHANGE] = catalog.SG_QUALIFICATION
    ts[:, SL_PROPOSAL], valid[:, SL_PROPOSAL] = tp, pipeline & (lost_at >= 1)
    stage[:, SL_PROPOSAL] = catalog.SG_PROPOSAL
    ts[:, SL_NEGOTIATION], valid[:, SL_NEGOTIATION] = tn, pipeline & (lost_at >= 2)
    stage[:, SL_NEGOTIATION] = catalog.SG_NEGOTIATION
    ts[:, SL_CLOSE], valid[:, SL_CLOSE] = tc, True
    stage[:, SL_CLOSE] = np.where(cycle.won, catalog.SG_WON, catalog.SG_LOST)
    ts[:, SL_REOPEN], valid[:, SL_REOPEN] = tr, reopen
    stage[:, SL_REOPEN] = catalog.SG_NEGOTIATION
    ts[:, SL_REOPEN_WON], valid[:, SL_REOPEN_WON] = tw, reopen
    stage[:, SL_REOPEN_WON] = catalog.SG_WON


def _move_to_office_hours(g: np.random.Generator, cycle: _Cycle, t0: np.ndarray) -> None:
    """Changes happen in office hours, in order."""
    ts, skip = cycle.ts, cycle.skip
    office = business_day_offset(ts // DAY, 0) * DAY + business_time(g, ts.shape)
    ts[:, SL_LEGACY:] = office[:, SL_LEGACY:]
    ts[skip, SL_APPOINTMENT] = t0[skip] - 180
    ts[skip, SL_LEGACY] = t0[skip] - 120
    ts[skip, SL_QUALIFICATION] = t0[skip]
    for j in range(1, N_SLOTS):
        ts[:, j] = np.maximum(ts[:, j], ts[:, j - 1] + 60)


def _inject_unmapped_legacy(run: _Run, cycle: _Cycle) -> None:
    """Dirt "unmapped": ~0.5% of history rows gain a legacy-stage row between Appointment and
    Qualification."""
    if not run.config.has("unmapped"):
        return
    d = rng.stream(run.config.seed, rng.DIRT_BASE + DIRT_KINDS.index("unmapped"), run.chunk)
    valid = cycle.valid
    eligible = np.flatnonzero(valid[:, SL_APPOINTMENT] & valid[:, SL_QUALIFICATION])
    rows = int((valid & (cycle.ts <= run.org.timeline.end_ts)).sum())
    n_legacy = min(int(d.binomial(rows, 0.005)), len(eligible))
    chosen = d.choice(eligible, n_legacy, replace=False) if n_legacy else eligible[:0]
    valid[chosen, SL_LEGACY] = True


# --- amounts and close dates of every slot ---------------------------------------------------


def _amount_slots(run: _Run, price: _Pricing, cycle: _Cycle) -> np.ndarray:
    """Creation amount, optional change in Qualification, optional change at Proposal."""
    g, k, money = run.g, run.k, price.money
    pipeline, lost_at = cycle.pipeline, cycle.lost_at
    a0 = money(price.amount_usd)
    a1 = np.where(cycle.amount_change, money(price.amount_usd * g.uniform(0.85, 1.2, k)), a0)
    prop_change = g.random(k) < (0.35 if run.org.scenario is None else 0.0)
    a2 = np.where(prop_change, money(a1 / price.rate * g.uniform(0.8, 1.3, k)), a1)
    amount = np.empty((k, N_SLOTS))
    amount[:, :SL_AMOUNT_CHANGE] = a0[:, None]
    amount[:, SL_AMOUNT_CHANGE] = a1
    amount[:, SL_PROPOSAL:] = a2[:, None]
    amount[:, SL_CLOSE] = np.where(pipeline & (lost_at >= 1), a2, np.where(pipeline, a1, a0))
    return amount


def _close_date_slots(run: _Run, cycle: _Cycle) -> np.ndarray:
    g, k = run.g, run.k
    planned = (cycle.tq + cycle.span) // DAY + g.integers(-10, 21, k)
    close = np.empty((k, N_SLOTS), dtype=np.int64)
    close[:, :SL_QUALIFICATION] = (run.t0 // DAY + g.integers(45, 121, k))[:, None]
    close[:, SL_QUALIFICATION:SL_CLOSE] = planned[:, None]
    close[:, SL_CLOSE] = cycle.tc // DAY
    close[:, SL_REOPEN] = cycle.tr // DAY + g.integers(10, 41, k)
    close[:, SL_REOPEN_WON] = cycle.tw // DAY
    return close


# --- the opportunity as it stands at the end of history --------------------------------------


@dataclass
class _Outcome:
    last: np.ndarray  # last valid slot
    stage: np.ndarray
    ts: np.ndarray  # time of the last stage/amount change
    amount: np.ndarray
    close_date: np.ndarray
    is_won: np.ndarray
    is_closed: np.ndarray
    loss_reason: np.ndarray  # -1 unless lost
    modstamp: np.ndarray


def _outcome(run: _Run, cycle: _Cycle, amount: np.ndarray, close: np.ndarray) -> _Outcome:
    g, tl, f, m0, mq = run.g, run.org.timeline, run.org.factors, run.m0, cycle.mq
    last = N_SLOTS - 1 - np.argmax(cycle.valid[:, ::-1], axis=1)
    rows_idx = np.arange(run.k)
    final_stage = cycle.stage[rows_idx, last]
    is_won = final_stage == catalog.SG_WON
    is_closed = is_won | (final_stage == catalog.SG_LOST)
    reason = np.where(
        cycle.pipeline,
        loss_reasons(g, catalog.PIPELINE_LOSS_REASON_MIX, f.fs_win[mq], f.customer[mq]),
        loss_reasons(g, catalog.EARLY_LOSS_REASON_MIX, f.fs_pipeline[m0], f.customer[m0]),
    )
    final_ts = cycle.ts[rows_idx, last]
    return _Outcome(
        last=last,
        stage=final_stage,
        ts=final_ts,
        amount=amount[rows_idx, last],
        close_date=close[rows_idx, last],
        is_won=is_won,
        is_closed=is_closed,
        loss_reason=np.where(final_stage == catalog.SG_LOST, reason, -1),
        modstamp=np.maximum(np.minimum(final_ts + g.integers(1, 600, run.k), tl.end_ts), final_ts),
    )


# --- frames ----------------------------------------------------------------------------------


def _opportunity_frame(
    run: _Run,
    outcome: _Outcome,
    *,
    opp_counter: np.ndarray,
    contact_counter: np.ndarray,
    account_counter: np.ndarray,
    owner: np.ndarray,
    currency: np.ndarray,
    creator: np.ndarray,
) -> Frame:
    leads, conv, k = run.leads, run.conv, run.k
    final_stage = outcome.stage
    company = lead_companies(leads, conv)
    new_business = creator | (run.g.random(k) < 0.7)
    opp_type = np.where(new_business, 0, 1)
    return {
        "id": make_ids("opportunity", opp_counter),
        "account_id": make_ids("account", account_counter),
        "contact_id": make_ids("contact", contact_counter),
        "name": join(company, vocab_take(("New Business", "Upsell"), opp_type), sep=" - "),
        "stage_name": vocab_take(catalog.STAGES, final_stage),
        "amount": outcome.amount,
        "currency_iso_code": vocab_take(catalog.CURRENCIES, currency),
        "close_date": outcome.close_date,
        "is_closed": outcome.is_closed,
        "is_won": outcome.is_won,
        "probability": catalog.STAGE_PROBABILITY[final_stage],
        "type": vocab_take(("New Business", "Upsell"), opp_type),
        "lead_source": vocab_take(catalog.LEAD_SOURCES, leads.channel[conv]),
        "campaign_id": make_ids("campaign", leads.campaign[conv] + 1),
        "forecast_category": vocab_take(
            catalog.FORECAST_CATEGORIES, catalog.STAGE_FORECAST[final_stage]
        ),
        "loss_reason_c": vocab_take(catalog.LOSS_REASONS, outcome.loss_reason),
        "owner_id": make_ids("user", owner),
        "is_deleted": np.zeros(k, dtype=bool),
        "created_date": run.t0,
        "system_modstamp": outcome.modstamp,
    }


def _history_frame(
    run: _Run,
    cycle: _Cycle,
    amount: np.ndarray,
    close: np.ndarray,
    owner: np.ndarray,
    opp_counter: np.ndarray,
) -> Frame:
    """One row per valid slot, in time order."""
    org = run.org
    opp_pos, slot = np.nonzero(cycle.valid)
    h = len(opp_pos)
    h_ts = cycle.ts[opp_pos, slot]
    h_stage = cycle.stage[opp_pos, slot]
    created_by = np.where(
        (slot == SL_LEGACY) & (org.sales_ops_user > 0), org.sales_ops_user, owner[opp_pos]
    )
    modstamp = np.maximum(np.minimum(h_ts + run.g.integers(1, 120, h), org.timeline.end_ts), h_ts)
    return {
        "id": make_ids("opportunity_history", run.base + 1 + np.arange(h, dtype=np.int64)),
        "opportunity_id": make_ids("opportunity", opp_counter[opp_pos]),
        "stage_name": vocab_take(catalog.STAGES, h_stage),
        "amount": amount[opp_pos, slot],
        "close_date": close[opp_pos, slot],
        "probability": catalog.STAGE_PROBABILITY[h_stage],
        "forecast_category": vocab_take(
            catalog.FORECAST_CATEGORIES, catalog.STAGE_FORECAST[h_stage]
        ),
        "created_by_id": make_ids("user", created_by),
        "is_deleted": np.zeros(h, dtype=bool),
        "created_date": h_ts,
        "system_modstamp": modstamp,
    }


def _account_frame(
    run: _Run, links: _AccountLinks, owner: np.ndarray, outcome: _Outcome
) -> Frame:
    """One account per creator; a won deal makes it a customer."""
    a, org, leads, base, end_ts = run.a, run.org, run.leads, run.base, run.org.timeline.end_ts
    acc_pos = np.flatnonzero(links.creator)
    n_acc = len(acc_pos)
    acc_lead = run.conv[acc_pos]
    acc_won_ts = np.full(n_acc, NULL, dtype=np.int64)
    won_final = outcome.is_won
    np.maximum.at(acc_won_ts, links.account_of[won_final], outcome.ts[won_final])
    is_customer = acc_won_ts != NULL
    acc_created = run.t0[acc_pos] + 1
    acc_country = leads.country[acc_lead]
    acc_currency = catalog.COUNTRY_CURRENCY[acc_country]
    acc_month = run.m0[acc_pos]
    revenue_usd = leads.employees[acc_lead] * 180_000.0 * np.exp(a.normal(0.0, 0.35, n_acc))
    revenue = np.round(revenue_usd * org.rates[acc_month, acc_currency] / 1000.0) * 1000.0
    revenue = np.where(a.random(n_acc) < 0.2, np.nan, revenue)
    has_parent = (np.arange(n_acc) > 0) & (a.random(n_acc) < 0.02)
    parent = np.floor(a.random(n_acc) * np.arange(n_acc)).astype(np.int64)
    parent_counter = np.where(has_parent, base + 1 + parent, NO_ID)
    acc_mod = np.where(is_customer, acc_won_ts, acc_created) + a.integers(1, 3 * HOUR, n_acc)
    acc_mod = np.maximum(np.minimum(acc_mod, end_ts), acc_created)
    return {
        "id": make_ids("account", base + 1 + np.arange(n_acc, dtype=np.int64)),
        "name": lead_companies(leads, acc_lead),
        "industry": vocab_take(catalog.INDUSTRIES, leads.industry[acc_lead]),
        "number_of_employees": leads.employees[acc_lead].copy(),
        "annual_revenue": revenue,
        "billing_country": vocab_take(catalog.COUNTRIES, acc_country),
        "type": vocab_take(("Prospect", "Customer"), is_customer.astype(np.int64)),
        "owner_id": make_ids("user", owner[acc_pos]),
        "parent_id": make_ids("account", parent_counter),
        "currency_iso_code": vocab_take(catalog.CURRENCIES, acc_currency),
        "is_deleted": np.zeros(n_acc, dtype=bool),
        "master_record_id": make_ids("account", np.full(n_acc, NO_ID)),
        "created_date": acc_created,
        "system_modstamp": acc_mod,
    }


def _contact_frame(
    run: _Run, owner: np.ndarray, contact_counter: np.ndarray, account_counter: np.ndarray
) -> Frame:
    """One contact per conversion."""
    leads, conv, k = run.leads, run.conv, run.k
    end_ts = run.org.timeline.end_ts
    contact_created = run.t0 + 1
    contact_mod = np.minimum(contact_created + run.a.integers(60, 60 * DAY, k), end_ts)
    contact_mod = np.maximum(contact_mod, contact_created)
    return {
        "id": make_ids("contact", contact_counter),
        "account_id": make_ids("account", account_counter),
        "first_name": vocab_take(catalog.FIRST_NAMES, leads.first_name[conv]),
        "last_name": vocab_take(catalog.LAST_NAMES, leads.last_name[conv]),
        "email": lead_emails(leads, conv),
        "title": vocab_take(catalog.LEAD_TITLES, leads.title[conv]),
        "lead_source": vocab_take(catalog.LEAD_SOURCES, leads.channel[conv]),
        "owner_id": make_ids("user", owner),
        "is_deleted": np.zeros(k, dtype=bool),
        "master_record_id": make_ids("contact", np.full(k, NO_ID)),
        "created_date": contact_created,
        "system_modstamp": contact_mod,
    }

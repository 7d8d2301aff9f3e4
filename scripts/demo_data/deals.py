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
    """
    g = rng.stream(config.seed, rng.DEALS, chunk)
    a = rng.stream(config.seed, rng.ACCOUNTS, chunk)
    tl = org.timeline
    conv = np.flatnonzero(leads.appointment)
    conv = conv[np.argsort(leads.booking_ts[conv], kind="stable")]
    k = len(conv)
    t0 = leads.booking_ts[conv]
    m0 = tl.month_of_ts(t0)

    # --- accounts: ~22% of conversions land on an existing account of the same company --------
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
    account_of = account_local[root]
    # the same company: copy firmographics from the account's first lead
    src = conv[root]
    for field in ("company_head", "company_tail", "company_noun", "employees", "country"):
        arr = getattr(leads, field)
        arr[conv] = arr[src]

    owner = org.account_execs.pick(g, m0)
    keep_owner = (~creator) & (g.random(k) < 0.7)
    owner = np.where(keep_owner, owner[root], owner)

    fit = leads.fit[conv]
    country = leads.country[conv]
    local = catalog.COUNTRY_CURRENCY[country]
    currency = np.where(g.random(k) < catalog.LOCAL_CURRENCY_SHARE, local, 0)
    size = (np.maximum(leads.employees[conv], 1) / 300.0) ** 0.22
    amount_usd = catalog.MEDIAN_DEAL_USD * size * np.exp(g.normal(0.0, 0.55, k))
    rate = org.rates[m0, currency]
    unit = np.where(currency == catalog.CURRENCIES.index("JPY"), 10_000.0, 100.0)

    def money(usd: np.ndarray) -> np.ndarray:
        return np.maximum(np.round(usd * rate / unit), 1) * unit

    # --- stage machine -------------------------------------------------------------------------
    skip = leads.skip_appointment[conv]
    # the market moves pipeline creation less than it moves wins
    p_pipe = (
        catalog.PIPELINE_BASE
        * org.factors.fs_pipeline[m0]
        * org.factors.customer[m0] ** 0.4
        * pipeline_fit_multiplier(fit)
    )
    pipeline = skip | (g.random(k) < np.clip(p_pipe, 0.0, 0.97))
    tq_day = business_day_offset(t0 // DAY + g.integers(5, 31, k), 0)
    tq = np.where(skip, t0, np.maximum(tq_day * DAY + business_time(g, k), t0 + HOUR))
    mq = tl.month_of_ts(tq)
    p_win = (
        catalog.WIN_BASE
        * org.factors.fs_win[mq]
        * org.factors.customer[mq]
        * win_fit_multiplier(fit)
    )
    won = pipeline & (g.random(k) < np.clip(p_win, 0.0, 0.95))
    span = g.integers(20 * DAY, 121 * DAY, k)
    lost_at = vec.categorical(g, np.array([0.4, 0.35, 0.25]), k)
    lost_at = np.where(won, 2, lost_at)
    tp = tq + (span * g.uniform(0.2, 0.4, k)).astype(np.int64)
    tn = tq + (span * g.uniform(0.55, 0.8, k)).astype(np.int64)
    early_close = t0 + g.integers(3 * DAY, 46 * DAY, k)
    tc = np.where(pipeline, tq + span, early_close)
    reopen_ok = pipeline & ~won & (lost_at >= 1)
    reopen = reopen_ok & (g.random(k) < 0.02 * k / max(int(reopen_ok.sum()), 1))
    tr = tc + g.integers(10 * DAY, 41 * DAY, k)
    tw = tr + g.integers(5 * DAY, 31 * DAY, k)
    amount_change = pipeline & (g.random(k) < 0.05)
    ta = tq + (span * g.uniform(0.05, 0.18, k)).astype(np.int64)

    ts = np.zeros((k, N_SLOTS), dtype=np.int64)
    valid = np.zeros((k, N_SLOTS), dtype=bool)
    stage = np.zeros((k, N_SLOTS), dtype=np.int64)
    ts[:, SL_APPOINTMENT], valid[:, SL_APPOINTMENT] = t0, ~skip
    stage[:, SL_APPOINTMENT] = catalog.SG_APPOINTMENT
    ts[:, SL_LEGACY] = t0 + ((tq - t0) * g.uniform(0.3, 0.7, k)).astype(np.int64)
    stage[:, SL_LEGACY] = catalog.SG_LEGACY
    ts[:, SL_QUALIFICATION], valid[:, SL_QUALIFICATION] = tq, pipeline
    stage[:, SL_QUALIFICATION] = catalog.SG_QUALIFICATION
    ts[:, SL_AMOUNT_CHANGE], valid[:, SL_AMOUNT_CHANGE] = ta, amount_change
    stage[:, SL_AMOUNT_CHANGE] = catalog.SG_QUALIFICATION
    ts[:, SL_PROPOSAL], valid[:, SL_PROPOSAL] = tp, pipeline & (lost_at >= 1)
    stage[:, SL_PROPOSAL] = catalog.SG_PROPOSAL
    ts[:, SL_NEGOTIATION], valid[:, SL_NEGOTIATION] = tn, pipeline & (lost_at >= 2)
    stage[:, SL_NEGOTIATION] = catalog.SG_NEGOTIATION
    ts[:, SL_CLOSE], valid[:, SL_CLOSE] = tc, True
    stage[:, SL_CLOSE] = np.where(won, catalog.SG_WON, catalog.SG_LOST)
    ts[:, SL_REOPEN], valid[:, SL_REOPEN] = tr, reopen
    stage[:, SL_REOPEN] = catalog.SG_NEGOTIATION
    ts[:, SL_REOPEN_WON], valid[:, SL_REOPEN_WON] = tw, reopen
    stage[:, SL_REOPEN_WON] = catalog.SG_WON

    # changes happen in office hours, in order
    office = business_day_offset(ts // DAY, 0) * DAY + business_time(g, (k, N_SLOTS))
    ts[:, SL_LEGACY:] = office[:, SL_LEGACY:]
    ts[skip, SL_APPOINTMENT] = t0[skip] - 180
    ts[skip, SL_LEGACY] = t0[skip] - 120
    ts[skip, SL_QUALIFICATION] = t0[skip]
    for j in range(1, N_SLOTS):
        ts[:, j] = np.maximum(ts[:, j], ts[:, j - 1] + 60)
    tq, tc = ts[:, SL_QUALIFICATION], ts[:, SL_CLOSE]
    tr, tw = ts[:, SL_REOPEN], ts[:, SL_REOPEN_WON]

    if config.has("unmapped"):
        d = rng.stream(config.seed, rng.DIRT_BASE + DIRT_KINDS.index("unmapped"), chunk)
        eligible = np.flatnonzero(valid[:, SL_APPOINTMENT] & valid[:, SL_QUALIFICATION])
        rows = int((valid & (ts <= tl.end_ts)).sum())
        n_legacy = min(int(d.binomial(rows, 0.005)), len(eligible))
        chosen = d.choice(eligible, n_legacy, replace=False) if n_legacy else eligible[:0]
        valid[chosen, SL_LEGACY] = True

    valid &= ts <= tl.end_ts
    last = N_SLOTS - 1 - np.argmax(valid[:, ::-1], axis=1)
    rows_idx = np.arange(k)

    # amounts: creation amount, optional change in Qualification, optional change at Proposal
    a0 = money(amount_usd)
    a1 = np.where(amount_change, money(amount_usd * g.uniform(0.85, 1.2, k)), a0)
    prop_change = g.random(k) < 0.35
    a2 = np.where(prop_change, money(a1 / rate * g.uniform(0.8, 1.3, k)), a1)
    amount = np.empty((k, N_SLOTS))
    amount[:, :SL_AMOUNT_CHANGE] = a0[:, None]
    amount[:, SL_AMOUNT_CHANGE] = a1
    amount[:, SL_PROPOSAL:] = a2[:, None]
    amount[:, SL_CLOSE] = np.where(pipeline & (lost_at >= 1), a2, np.where(pipeline, a1, a0))

    planned = (tq + span) // DAY + g.integers(-10, 21, k)
    close = np.empty((k, N_SLOTS), dtype=np.int64)
    close[:, :SL_QUALIFICATION] = (t0 // DAY + g.integers(45, 121, k))[:, None]
    close[:, SL_QUALIFICATION:SL_CLOSE] = planned[:, None]
    close[:, SL_CLOSE] = tc // DAY
    close[:, SL_REOPEN] = tr // DAY + g.integers(10, 41, k)
    close[:, SL_REOPEN_WON] = tw // DAY

    final_stage = stage[rows_idx, last]
    is_won = final_stage == catalog.SG_WON
    is_closed = is_won | (final_stage == catalog.SG_LOST)
    f = org.factors
    reason = np.where(
        pipeline,
        loss_reasons(g, catalog.PIPELINE_LOSS_REASON_MIX, f.fs_win[mq], f.customer[mq]),
        loss_reasons(g, catalog.EARLY_LOSS_REASON_MIX, f.fs_pipeline[m0], f.customer[m0]),
    )
    loss_reason = np.where(final_stage == catalog.SG_LOST, reason, -1)
    final_ts = ts[rows_idx, last]
    opp_modstamp = np.maximum(np.minimum(final_ts + g.integers(1, 600, k), tl.end_ts), final_ts)

    opp_counter = base + 1 + np.arange(k, dtype=np.int64)
    contact_counter = opp_counter
    account_counter = base + 1 + account_of
    company = lead_companies(leads, conv)
    new_business = creator | (g.random(k) < 0.7)
    opp_type = np.where(new_business, 0, 1)
    channel = leads.channel[conv]

    opportunity: Frame = {
        "id": make_ids("opportunity", opp_counter),
        "account_id": make_ids("account", account_counter),
        "contact_id": make_ids("contact", contact_counter),
        "name": join(company, vocab_take(("New Business", "Upsell"), opp_type), sep=" - "),
        "stage_name": vocab_take(catalog.STAGES, final_stage),
        "amount": amount[rows_idx, last],
        "currency_iso_code": vocab_take(catalog.CURRENCIES, currency),
        "close_date": close[rows_idx, last],
        "is_closed": is_closed,
        "is_won": is_won,
        "probability": catalog.STAGE_PROBABILITY[final_stage],
        "type": vocab_take(("New Business", "Upsell"), opp_type),
        "lead_source": vocab_take(catalog.LEAD_SOURCES, channel),
        "campaign_id": make_ids("campaign", leads.campaign[conv] + 1),
        "forecast_category": vocab_take(
            catalog.FORECAST_CATEGORIES, catalog.STAGE_FORECAST[final_stage]
        ),
        "loss_reason_c": vocab_take(catalog.LOSS_REASONS, loss_reason),
        "owner_id": make_ids("user", owner),
        "is_deleted": np.zeros(k, dtype=bool),
        "created_date": t0,
        "system_modstamp": opp_modstamp,
    }

    # --- opportunity history: one row per valid slot, in time order --------------------------
    opp_pos, slot = np.nonzero(valid)
    h = len(opp_pos)
    h_ts = ts[opp_pos, slot]
    h_stage = stage[opp_pos, slot]
    created_by = np.where(
        (slot == SL_LEGACY) & (org.sales_ops_user > 0), org.sales_ops_user, owner[opp_pos]
    )
    history: Frame = {
        "id": make_ids("opportunity_history", base + 1 + np.arange(h, dtype=np.int64)),
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
        "system_modstamp": np.maximum(np.minimum(h_ts + g.integers(1, 120, h), tl.end_ts), h_ts),
    }

    # --- accounts (one per creator) and contacts (one per conversion) ------------------------
    acc_pos = np.flatnonzero(creator)
    n_acc = len(acc_pos)
    acc_lead = conv[acc_pos]
    acc_won_ts = np.full(n_acc, NULL, dtype=np.int64)
    won_final = is_won
    np.maximum.at(acc_won_ts, account_of[won_final], final_ts[won_final])
    is_customer = acc_won_ts != NULL
    acc_created = t0[acc_pos] + 1
    acc_country = leads.country[acc_lead]
    acc_currency = catalog.COUNTRY_CURRENCY[acc_country]
    acc_month = m0[acc_pos]
    revenue_usd = leads.employees[acc_lead] * 180_000.0 * np.exp(a.normal(0.0, 0.35, n_acc))
    revenue = np.round(revenue_usd * org.rates[acc_month, acc_currency] / 1000.0) * 1000.0
    revenue = np.where(a.random(n_acc) < 0.2, np.nan, revenue)
    has_parent = (np.arange(n_acc) > 0) & (a.random(n_acc) < 0.02)
    parent = np.floor(a.random(n_acc) * np.arange(n_acc)).astype(np.int64)
    parent_counter = np.where(has_parent, base + 1 + parent, NO_ID)
    acc_mod = np.where(is_customer, acc_won_ts, acc_created) + a.integers(1, 3 * HOUR, n_acc)
    acc_mod = np.maximum(np.minimum(acc_mod, tl.end_ts), acc_created)
    account: Frame = {
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

    contact_created = t0 + 1
    contact_mod = np.minimum(contact_created + a.integers(60, 60 * DAY, k), tl.end_ts)
    contact_mod = np.maximum(contact_mod, contact_created)
    contact: Frame = {
        "id": make_ids("contact", contact_counter),
        "account_id": make_ids("account", account_counter),
        "first_name": vocab_take(catalog.FIRST_NAMES, leads.first_name[conv]),
        "last_name": vocab_take(catalog.LAST_NAMES, leads.last_name[conv]),
        "email": lead_emails(leads, conv),
        "title": vocab_take(catalog.LEAD_TITLES, leads.title[conv]),
        "lead_source": vocab_take(catalog.LEAD_SOURCES, channel),
        "owner_id": make_ids("user", owner),
        "is_deleted": np.zeros(k, dtype=bool),
        "master_record_id": make_ids("contact", np.full(k, NO_ID)),
        "created_date": contact_created,
        "system_modstamp": contact_mod,
    }
    pipeline_ts = np.where(valid[:, SL_QUALIFICATION], tq, NULL)
    return Deals(
        lead=conv,
        opp_counter=opp_counter,
        contact_counter=contact_counter,
        account_counter=account_counter,
        owner=owner,
        created_ts=t0,
        pipeline_ts=pipeline_ts,
        final_ts=final_ts,
        planned_close_ts=np.where(reopen, tw, tc),
        frames={
            "opportunity": opportunity,
            "opportunity_history": history,
            "account": account,
            "contact": contact,
        },
    )

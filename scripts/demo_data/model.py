"""Business simulation of one chunk of leads: lead -> appointment -> pipeline -> won.

A chunk is self-contained: its leads, the accounts/contacts/opportunities they convert to
and every activity around them. Chunk c numbers its records from ``c * ID_BLOCK + 1``
in every table, so chunks never need each other's state.
"""

from __future__ import annotations

import numpy as np

from . import activities, catalog, dirt, rng, vec
from .config import ID_BLOCK, GeneratorConfig
from .deals import Deals, simulate_deals
from .frame import DAY, NULL, Frame, concat, vocab_take
from .ids import NO_ID, make_ids
from .leads import Leads, lead_companies, lead_emails, lead_rows, simulate_leads
from .org import Org
from .timeline import HOUR

#: Tables produced per chunk (the others come from :mod:`demo_data.org`).
CHUNK_TABLES: tuple[str, ...] = (
    "account",
    "contact",
    "lead",
    "campaign_member",
    "opportunity",
    "opportunity_history",
    "task",
    "event",
)


def lead_outcomes(
    config: GeneratorConfig,
    org: Org,
    chunk: int,
    leads: Leads,
    deals: Deals,
    work: activities.InsideSalesWork,
) -> Frame:
    """Final lead state: status, rating, disqualification reason and conversion fields."""
    g = rng.stream(config.seed, rng.HANDLING, chunk + 1_000_000)
    n = leads.n
    end_ts = org.timeline.end_ts
    fit = leads.fit
    last = work.last_activity_ts
    converted = leads.appointment
    quiet = leads.handled & ~converted & ~leads.pending
    recent = last + 14 * DAY > end_ts
    disqualify = quiet & ~recent & (g.random(n) < 0.45 + 0.4 * (1.0 - fit))
    nurture = quiet & ~recent & ~disqualify
    working = leads.pending | (quiet & recent)
    status = np.full(n, catalog.ST_OPEN, dtype=np.int64)
    status[working] = catalog.ST_WORKING
    status[nurture] = catalog.ST_NURTURE
    status[disqualify] = catalog.ST_DISQUALIFIED
    status[converted] = catalog.ST_QUALIFIED

    dq_ts = np.minimum(last + g.integers(HOUR, 3 * DAY, n), end_ts)
    nurture_ts = np.minimum(last + g.integers(HOUR, 5 * DAY, n), end_ts)
    status_ts = leads.created_ts + g.integers(1, 120, n)
    status_ts = np.where(working, last, status_ts)
    status_ts = np.where(nurture, nurture_ts, status_ts)
    status_ts = np.where(disqualify, dq_ts, status_ts)
    status_ts = np.where(converted, leads.booking_ts + 2, status_ts)
    modstamp = np.minimum(status_ts + g.integers(1, 300, n), end_ts)

    # rating: the IS rep's feedback, only once a lead was worked
    p_hot = np.where(converted, 0.6, 0.05 + 0.3 * fit)
    p_warm = np.where(converted, 0.35, 0.25 + 0.3 * fit)
    u = g.random(n)
    rating = np.where(u < p_hot, 0, np.where(u < p_hot + p_warm, 1, 2))
    rating = np.where(leads.handled, rating, -1)

    web = np.isin(leads.channel, [catalog.CH_PAID_SEARCH, catalog.CH_CONTENT])
    junior = leads.title == catalog.LEAD_TITLES.index("Intern")
    weights = np.stack(
        [
            3.0 * (1.0 - fit) + 0.2,
            np.full(n, 1.0),
            np.where(web | junior, 1.2, 0.12),
            np.full(n, 0.25),
            np.where(work.followups == 0, 1.5, 0.3),
        ],
        axis=1,
    )
    reason = vec.sample_rows(g, np.cumsum(weights / weights.sum(axis=1, keepdims=True), axis=1))
    reason = np.where(disqualify, reason, -1)

    contact = np.full(n, NO_ID, dtype=np.int64)
    account = np.full(n, NO_ID, dtype=np.int64)
    opportunity = np.full(n, NO_ID, dtype=np.int64)
    contact[deals.lead] = deals.contact_counter
    account[deals.lead] = deals.account_counter
    opportunity[deals.lead] = deals.opp_counter
    converted_day = np.where(converted, leads.booking_ts // DAY, NULL)
    idx = np.arange(n)
    return lead_rows(
        counter=leads.counter,
        first_name=vocab_take(catalog.FIRST_NAMES, leads.first_name),
        last_name=vocab_take(catalog.LAST_NAMES, leads.last_name),
        email=lead_emails(leads, idx),
        company=lead_companies(leads, idx),
        title=leads.title,
        industry=leads.industry,
        employees=leads.employees,
        country=leads.country,
        channel=leads.channel,
        status=status,
        rating=rating,
        disqualification=reason,
        owner=leads.owner,
        converted_day=converted_day,
        contact=contact,
        account=account,
        opportunity=opportunity,
        is_deleted=np.zeros(n, dtype=bool),
        master=np.full(n, NO_ID, dtype=np.int64),
        created=leads.created_ts,
        modstamp=modstamp,
    )


def simulate_chunk(config: GeneratorConfig, org: Org, chunk: int) -> dict[str, Frame]:
    """All rows of one chunk, by table (internal helper columns start with '_')."""
    base = chunk * ID_BLOCK
    leads = simulate_leads(config, org, chunk, first_counter=base + 1)
    deals = simulate_deals(config, org, chunk, leads, base)
    work = activities.inside_sales_tasks(config, org, chunk, leads)
    lead = lead_outcomes(config, org, chunk, leads, deals, work)
    contact_of_lead = np.full(leads.n, NO_ID, dtype=np.int64)
    contact_of_lead[deals.lead] = deals.contact_counter

    frames: dict[str, Frame] = {
        "lead": lead,
        "account": deals.frames["account"],
        "contact": deals.frames["contact"],
        "opportunity": deals.frames["opportunity"],
        "opportunity_history": deals.frames["opportunity_history"],
        "task": concat(
            [
                work.frame,
                activities.other_tasks(config, org, chunk, leads),
                activities.deal_tasks(config, org, chunk, deals),
            ]
        ),
        "event": activities.events(config, org, chunk, leads, deals),
        "campaign_member": activities.campaign_members(config, org, chunk, leads, contact_of_lead),
    }
    dirt.apply_structural(config, org, chunk, leads, deals, frames, base)
    # activity ids are numbered once all rows of the chunk are known
    for table in ("task", "event", "campaign_member"):
        rows = len(frames[table]["created_date"])
        frames[table] = {
            "id": make_ids(table, base + 1 + np.arange(rows, dtype=np.int64)),
            **frames[table],
        }
    dirt.apply_row_level(config, org, chunk, leads, frames)
    return frames

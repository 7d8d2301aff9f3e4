"""Activities around the funnel: tasks, events and campaign memberships of one chunk."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from . import catalog, rng, vec
from .config import GeneratorConfig
from .deals import Deals
from .frame import DAY, NULL, Frame, concat, vocab_take
from .ids import NO_ID, make_ids
from .leads import Leads, join, lead_companies
from .org import Org
from .timeline import HOUR, business_day_offset, business_time, meeting_time

MINUTE = 60


@dataclass
class InsideSalesWork:
    """IS tasks on leads, and per lead the last IS activity and number of follow-ups."""

    frame: Frame
    last_activity_ts: np.ndarray
    followups: np.ndarray


def task_rows(
    *,
    who: pa.Array,
    what: pa.Array,
    owner: np.ndarray,
    subject: pa.Array,
    kind: np.ndarray,
    created: np.ndarray,
    generator: np.random.Generator,
    end_ts: int,
    status: pa.Array | None = None,
    activity_day: np.ndarray | None = None,
) -> Frame:
    """Task rows; kind 0 = Call, 1 = Email, 2 = Other (to-do, not an IS touch)."""
    n = len(created)
    duration = np.exp(generator.normal(np.log(180.0), 0.9, n)).astype(np.int64)
    duration = np.where(kind == 0, np.clip(duration, 15, 3600), NULL)
    subtype = np.where(kind == 2, 2, kind)  # Call, Email, Task
    modstamp = np.minimum(created + generator.integers(5, 30 * MINUTE, n), end_ts)
    return {
        "who_id": who,
        "what_id": what,
        "owner_id": make_ids("user", owner),
        "subject": subject,
        "type": vocab_take(("Call", "Email", "Other"), kind),
        "task_subtype": vocab_take(("Call", "Email", "Task"), subtype),
        "status": status if status is not None else vocab_take(("Completed",), np.zeros(n, int)),
        "activity_date": activity_day if activity_day is not None else created // DAY,
        "call_duration_in_seconds": duration,
        "is_deleted": np.zeros(n, dtype=bool),
        "created_date": created,
        "system_modstamp": np.maximum(modstamp, created),
    }


def inside_sales_tasks(
    config: GeneratorConfig, org: Org, chunk: int, leads: Leads
) -> InsideSalesWork:
    g = rng.stream(config.seed, rng.ACTIVITIES, chunk)
    end_ts = org.timeline.end_ts
    handled = np.flatnonzero(leads.handled)
    wants = leads.appointment[handled] | leads.pending[handled]
    limit = np.minimum(leads.booking_ts[handled], end_ts)
    n_handled = len(handled)
    nf = np.where(
        wants, np.minimum(g.poisson(1.2, n_handled), 4), np.minimum(g.poisson(1.3, n_handled), 5)
    )
    lead_of = np.repeat(handled, nf)
    rank = vec.ranks_within(nf)
    rows = len(lead_of)
    gaps = g.integers(2 * DAY, 8 * DAY, rows)
    chain = leads.handle_ts[lead_of] + vec.group_cumsum(gaps, nf)
    inside = leads.handle_ts[lead_of] + (
        (np.repeat(limit, nf) - leads.handle_ts[lead_of]) * g.uniform(0.1, 0.95, rows)
    ).astype(np.int64)
    follow_ts = np.where(np.repeat(wants, nf), inside, chain)
    keep = follow_ts <= end_ts
    lead_of, rank, follow_ts = lead_of[keep], rank[keep], follow_ts[keep]
    followups = np.zeros(leads.n, dtype=np.int64)
    np.add.at(followups, lead_of, 1)
    last = leads.handle_ts.copy()
    np.maximum.at(last, lead_of, follow_ts)
    last = np.where(leads.handled, last, NULL)

    idx = np.concatenate([handled, lead_of])
    created = np.concatenate([leads.handle_ts[handled], follow_ts])
    first = np.concatenate([np.ones(len(handled), bool), np.zeros(len(lead_of), bool)])
    kind = np.where(first, leads.handle_type[idx], (g.random(len(idx)) >= 0.55).astype(np.int64))
    subjects = ("Intro call", "Intro email", "Follow-up call", "Follow-up email")
    subject = vocab_take(subjects, kind + np.where(first, 0, 2))
    frame = task_rows(
        who=make_ids("lead", leads.counter[idx]),
        what=make_ids("opportunity", np.full(len(idx), NO_ID)),
        owner=leads.owner[idx],
        subject=subject,
        kind=kind,
        created=created,
        generator=g,
        end_ts=end_ts,
    )
    frame["_lead"] = idx  # chunk lead index, dropped by the writer
    return InsideSalesWork(frame=frame, last_activity_ts=last, followups=followups)


def other_tasks(config: GeneratorConfig, org: Org, chunk: int, leads: Leads) -> Frame:
    """To-dos on leads (type Other): not a handling touch, sometimes before the first call."""
    g = rng.stream(config.seed, rng.ACTIVITIES, chunk + 1_000_000)
    end_ts = org.timeline.end_ts
    idx = np.flatnonzero(g.random(leads.n) < 0.18)
    created = leads.created_ts[idx] + g.integers(MINUTE, 2 * DAY, len(idx))
    keep = created <= end_ts
    idx, created = idx[keep], created[keep]
    n = len(idx)
    frame = task_rows(
        who=make_ids("lead", leads.counter[idx]),
        what=make_ids("opportunity", np.full(n, NO_ID)),
        owner=leads.owner[idx],
        subject=vocab_take(catalog.OTHER_TASK_SUBJECTS, g.integers(0, 4, n)),
        kind=np.full(n, 2, dtype=np.int64),
        created=created,
        generator=g,
        end_ts=end_ts,
        status=vocab_take(("Completed", "Not Started"), (g.random(n) < 0.3).astype(np.int64)),
        activity_day=created // DAY + g.integers(0, 6, n),
    )
    frame["_lead"] = idx
    return frame


def deal_tasks(config: GeneratorConfig, org: Org, chunk: int, deals: Deals) -> Frame:
    """Account Executive calls and emails on opportunities (who = contact, what = opp)."""
    g = rng.stream(config.seed, rng.ACTIVITIES, chunk + 2_000_000)
    end_ts = org.timeline.end_ts
    count = np.minimum(g.poisson(1.5, deals.n), 4)
    pos = np.repeat(np.arange(deals.n), count)
    horizon = np.minimum(deals.planned_close_ts[pos], end_ts)
    start = deals.created_ts[pos]
    created = start + ((horizon - start) * g.uniform(0.05, 1.0, len(pos))).astype(np.int64)
    keep = created <= end_ts
    pos, created = pos[keep], created[keep]
    n = len(pos)
    kind = (g.random(n) >= 0.5).astype(np.int64)
    frame = task_rows(
        who=make_ids("contact", deals.contact_counter[pos]),
        what=make_ids("opportunity", deals.opp_counter[pos]),
        owner=deals.owner[pos],
        subject=vocab_take(("Call with customer", "Sent follow-up"), kind),
        kind=kind,
        created=created,
        generator=g,
        end_ts=end_ts,
    )
    frame["_lead"] = np.full(n, -1, dtype=np.int64)
    return frame


def event_rows(
    *,
    who: pa.Array,
    what: pa.Array,
    owner: np.ndarray,
    subject: pa.Array,
    kind: np.ndarray,
    created: np.ndarray,
    lead_days: np.ndarray,
    generator: np.random.Generator,
    end_ts: int,
) -> Frame:
    """Event rows; kind 0 = First Meeting, 1 = Follow-up Meeting, 2 = Demo."""
    n = len(created)
    start_day = business_day_offset(created // DAY + lead_days, 0)
    start = np.maximum(start_day * DAY + meeting_time(generator, n), created + HOUR)
    end = start + np.where(generator.random(n) < 0.6, 30, 60) * MINUTE
    modstamp = np.where(start <= end_ts, start + generator.integers(HOUR, 2 * DAY, n), created + 30)
    modstamp = np.maximum(np.minimum(modstamp, end_ts), created)
    return {
        "who_id": who,
        "what_id": what,
        "owner_id": make_ids("user", owner),
        "subject": subject,
        "type": vocab_take(("First Meeting", "Follow-up Meeting", "Demo"), kind),
        "event_subtype": vocab_take(("Event",), np.zeros(n, dtype=np.int64)),
        "start_date_time": start,
        "end_date_time": end,
        "is_deleted": np.zeros(n, dtype=bool),
        "created_date": created,
        "system_modstamp": modstamp,
    }


def first_meetings(
    leads: Leads, idx: np.ndarray, created: np.ndarray, g: np.random.Generator, end_ts: int
) -> Frame:
    """First Meeting events booked by the IS rep with the lead (who = lead)."""
    n = len(idx)
    name = join(
        vocab_take(catalog.FIRST_NAMES, leads.first_name[idx]),
        vocab_take(catalog.LAST_NAMES, leads.last_name[idx]),
        sep=" ",
    )
    subject = join("First meeting with ", name, " (", lead_companies(leads, idx), ")")
    return event_rows(
        who=make_ids("lead", leads.counter[idx]),
        what=make_ids("opportunity", np.full(n, NO_ID)),
        owner=leads.owner[idx],
        subject=subject,
        kind=np.zeros(n, dtype=np.int64),
        created=created,
        lead_days=g.integers(1, 8, n),
        generator=g,
        end_ts=end_ts,
    )


def events(config: GeneratorConfig, org: Org, chunk: int, leads: Leads, deals: Deals) -> Frame:
    g = rng.stream(config.seed, rng.ACTIVITIES, chunk + 3_000_000)
    end_ts = org.timeline.end_ts
    met = deals.lead[~leads.skip_appointment[deals.lead]]
    first = first_meetings(leads, met, leads.booking_ts[met], g, end_ts)

    # demos once in pipeline, follow-up meetings along the cycle (who = contact, what = opp)
    in_pipe = np.flatnonzero(deals.pipeline_ts != NULL)
    demo_created = deals.pipeline_ts[in_pipe] + g.integers(HOUR, 3 * DAY, len(in_pipe))
    reached = deals.pipeline_ts != NULL
    count = np.minimum(g.poisson(np.where(reached, 0.9, 0.3)), 3)
    pos = np.repeat(np.arange(deals.n), count)
    horizon = np.minimum(deals.planned_close_ts[pos], end_ts)
    start = deals.created_ts[pos]
    fu_created = start + ((horizon - start) * g.uniform(0.1, 0.9, len(pos))).astype(np.int64)
    deal_pos = np.concatenate([in_pipe, pos])
    created = np.concatenate([demo_created, fu_created])
    kind = np.concatenate([np.full(len(in_pipe), 2), np.full(len(pos), 1)]).astype(np.int64)
    keep = created <= end_ts
    deal_pos, created, kind = deal_pos[keep], created[keep], kind[keep]
    company = lead_companies(leads, deals.lead[deal_pos])
    subject = join(vocab_take(("", "Follow-up meeting: ", "Demo: "), kind), company)
    later = event_rows(
        who=make_ids("contact", deals.contact_counter[deal_pos]),
        what=make_ids("opportunity", deals.opp_counter[deal_pos]),
        owner=deals.owner[deal_pos],
        subject=subject,
        kind=kind,
        created=created,
        lead_days=g.integers(2, 11, len(created)),
        generator=g,
        end_ts=end_ts,
    )
    first["_lead"] = met
    later["_lead"] = np.full(len(created), -1, dtype=np.int64)
    return concat([first, later])


# --- campaign members -------------------------------------------------------------------------
def campaign_at(
    org: Org, g: np.random.Generator, ts: np.ndarray, shares: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """A child campaign of a channel drawn from ``shares`` that is active in ts's month,
    and the response day moved inside that campaign's window."""
    tl, camp = org.timeline, org.campaigns
    month = tl.month_of_ts(ts)
    mix = shares[None, :] * camp.available[month]
    fallback = mix.sum(axis=1) == 0
    mix[fallback] = camp.available[month[fallback]]
    channel = vec.sample_rows(g, np.cumsum(mix / mix.sum(axis=1, keepdims=True), axis=1))
    slot = vec.sample_rows(g, camp.candidate_cdf[month, channel])
    campaign = camp.candidates[month, channel, slot]
    lo = np.maximum(camp.first_day[campaign], tl.month_start[month])
    hi = np.maximum(np.minimum(camp.last_day[campaign], tl.window_end[month] - 1), lo)
    day = np.clip(ts // DAY, lo, hi)
    return campaign, day


def member_rows(
    *,
    campaign: np.ndarray,
    lead_counter: np.ndarray,
    contact_counter: np.ndarray,
    responded: np.ndarray,
    response_ts: np.ndarray,
    created: np.ndarray,
    generator: np.random.Generator,
    end_ts: int,
    channel: np.ndarray,
) -> Frame:
    n = len(campaign)
    status = np.where(responded, channel, len(catalog.RESPONDED_STATUS))
    modstamp = np.where(responded, np.maximum(response_ts, created), created)
    modstamp = modstamp + generator.integers(1, 600, n)
    return {
        "campaign_id": make_ids("campaign", campaign + 1),
        "lead_id": make_ids("lead", lead_counter),
        "contact_id": make_ids("contact", contact_counter),
        "status": vocab_take((*catalog.RESPONDED_STATUS, "Sent"), status),
        "has_responded": responded,
        "first_responded_date": np.where(responded, response_ts // DAY, NULL),
        "is_deleted": np.zeros(n, dtype=bool),
        "created_date": created,
        "system_modstamp": np.maximum(np.minimum(modstamp, end_ts), created),
    }


def campaign_members(
    config: GeneratorConfig, org: Org, chunk: int, leads: Leads, contact_of_lead: np.ndarray
) -> Frame:
    g = rng.stream(config.seed, rng.RESPONSES, chunk)
    end_ts = org.timeline.end_ts
    n = leads.n
    camp = org.campaigns

    # the sourcing response, the day the lead was created
    src_created = np.minimum(leads.created_ts + g.integers(1, 90, n), end_ts)

    # further responses of ~45% of leads within 0-120 days
    extra = np.where(g.random(n) < 0.45, vec.categorical(g, np.array([0.6, 0.3, 0.1]), n) + 1, 0)
    lead_of = np.repeat(np.arange(n), extra)
    delay = g.integers(0, 121 * DAY, len(lead_of))
    ts = leads.created_ts[lead_of] + delay
    keep = ts <= end_ts
    lead_of, ts = lead_of[keep], ts[keep]
    campaign, day = campaign_at(org, g, ts, catalog.RESPONSE_CHANNEL_SHARE)
    resp_ts = np.maximum(day * DAY + business_time(g, len(day)), leads.created_ts[lead_of] + 600)
    keep = resp_ts <= end_ts
    lead_of, campaign, resp_ts = lead_of[keep], campaign[keep], resp_ts[keep]
    invited = np.isin(camp.channel[campaign], [catalog.CH_WEBINAR, catalog.CH_EMAIL])
    early = np.where(invited, g.integers(0, 7 * DAY, len(resp_ts)), 0)
    resp_created = np.maximum(resp_ts - early, leads.created_ts[lead_of] + 60)

    # memberships that never responded (~10% of all memberships)
    n_resp = n + len(lead_of)
    silent = g.integers(0, n, int(g.binomial(n_resp, 0.11)))
    silent_ts = leads.created_ts[silent] + g.integers(0, 121 * DAY, len(silent))
    keep = silent_ts <= end_ts
    silent, silent_ts = silent[keep], silent_ts[keep]
    silent_campaign, silent_day = campaign_at(org, g, silent_ts, catalog.NON_RESPONSE_CHANNEL_SHARE)
    silent_created = np.maximum(
        silent_day * DAY + business_time(g, len(silent)), leads.created_ts[silent] + 60
    )
    keep = silent_created <= end_ts
    silent, silent_campaign = silent[keep], silent_campaign[keep]
    silent_created = silent_created[keep]

    lead_idx = np.concatenate([np.arange(n), lead_of, silent])
    campaign_all = np.concatenate([leads.campaign, campaign, silent_campaign])
    responded = np.concatenate([np.ones(n + len(lead_of), bool), np.zeros(len(silent), bool)])
    response_ts = np.concatenate([leads.created_ts, resp_ts, silent_created])
    created = np.concatenate([src_created, resp_created, silent_created])
    # one membership per (lead, campaign): keep the first
    key = lead_idx * (len(camp.channel) + 1) + campaign_all
    _, first = np.unique(key, return_index=True)
    first.sort()
    lead_idx, campaign_all = lead_idx[first], campaign_all[first]
    responded, response_ts, created = responded[first], response_ts[first], created[first]

    converted_before = (contact_of_lead[lead_idx] != NO_ID) & (
        np.maximum(created, response_ts) > leads.booking_ts[lead_idx]
    )
    contact = np.where(converted_before, contact_of_lead[lead_idx], NO_ID)
    frame = member_rows(
        campaign=campaign_all,
        lead_counter=leads.counter[lead_idx],
        contact_counter=contact,
        responded=responded,
        response_ts=response_ts,
        created=created,
        generator=g,
        end_ts=end_ts,
        channel=camp.channel[campaign_all],
    )
    frame["_lead"] = lead_idx
    frame["_campaign"] = campaign_all
    return frame

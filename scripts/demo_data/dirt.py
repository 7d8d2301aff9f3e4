"""Data-quality problems a real CRM extract has, each switchable (see config.DIRT_KINDS).

Every kind draws from its own random stream, so the clean part of the data is the same
whichever kinds are on.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from . import activities, catalog, rng
from .config import DIRT_KINDS, GeneratorConfig
from .deals import Deals
from .duplicates import DUPLICATE_RATE, DUPLICATE_TABLES, with_old_copies
from .frame import DAY, NULL, Frame, concat, nrows, strings, take, vocab_take
from .ids import NO_ID, make_ids
from .leads import Leads, join, lead_companies, lead_emails, lead_rows
from .org import Org
from .timeline import HOUR

MINUTE = 60

RATES = {
    "deleted": 0.01,
    "duplicates": DUPLICATE_RATE,
    "merged": 0.005,
    "test_leads": 0.005,
    "null_owners": 0.005,
    "merged_people": 0.004,
}


def stream(config: GeneratorConfig, kind: str, chunk: int, sub: int = 0) -> np.random.Generator:
    return rng.stream(config.seed, rng.DIRT_BASE + DIRT_KINDS.index(kind), chunk * 16 + sub)


def _member_keys(frame: Frame, n_campaigns: int) -> np.ndarray:
    return frame["_lead"] * (n_campaigns + 1) + frame["_campaign"]


def apply_structural(
    config: GeneratorConfig,
    org: Org,
    chunk: int,
    leads: Leads,
    deals: Deals,
    frames: dict[str, Frame],
    base: int,
) -> None:
    """Dirt that adds rows (ids of activities are assigned after this step)."""
    next_lead = base + leads.n + 1
    if config.has("test_leads"):
        next_lead = _test_leads(config, org, chunk, leads, frames, next_lead)
    survivors = np.zeros(0, dtype=np.int64)
    if config.has("merged"):
        survivors = _merged_leads(config, org, chunk, leads, deals, frames, next_lead)
        _merged_people(config, org, chunk, frames, base)
    if config.has("deleted"):
        _soft_delete(config, org, chunk, leads, frames, survivors)


def apply_row_level(
    config: GeneratorConfig, org: Org, chunk: int, leads: Leads, frames: dict[str, Frame]
) -> None:
    """Dirt that changes values of existing rows or copies them (after ids are assigned)."""
    if config.has("null_owners"):
        g = stream(config, "null_owners", chunk)
        lead = frames["lead"]
        mask = g.random(nrows(lead)) < RATES["null_owners"]
        no_owner = pa.scalar(None, pa.string())
        lead["owner_id"] = pc.if_else(pa.array(mask), no_owner, lead["owner_id"])
    if config.has("duplicates"):
        for k, table in enumerate(DUPLICATE_TABLES):
            g = stream(config, "duplicates", chunk, k)
            frames[table] = with_old_copies(table, frames[table], g, org.timeline.synced_ts)


# --- test / junk leads ----------------------------------------------------------------------
def _test_leads(
    config: GeneratorConfig,
    org: Org,
    chunk: int,
    leads: Leads,
    frames: dict[str, Frame],
    next_lead: int,
) -> int:
    g = stream(config, "test_leads", chunk)
    end_ts = org.timeline.end_ts
    t = int(g.binomial(leads.n, RATES["test_leads"]))
    if t == 0:
        return next_lead
    counter = next_lead + np.arange(t, dtype=np.int64)
    like = g.integers(0, leads.n, t)  # created at the time of some real lead
    created = np.minimum(leads.created_ts[like] + g.integers(0, HOUR, t), end_ts)
    web = np.array([catalog.CH_PAID_SEARCH, catalog.CH_CONTENT, catalog.CH_WEBINAR])
    shares = np.zeros(len(catalog.CHANNELS))
    shares[web] = (0.5, 0.35, 0.15)
    campaign, _ = activities.campaign_at(org, g, created, shares)
    channel = org.campaigns.channel[campaign]
    style = g.integers(0, 3, t)  # 0: Test Test @example.com, 1: last name Test, 2: @example.com
    first_idx = g.integers(0, len(catalog.FIRST_NAMES), t)
    last_idx = g.integers(0, len(catalog.LAST_NAMES), t)
    first = pc.if_else(pa.array(style == 0), "Test", vocab_take(catalog.FIRST_NAMES, first_idx))
    last = pc.if_else(pa.array(style == 2), vocab_take(catalog.LAST_NAMES, last_idx), "Test")
    number = pc.cast(pa.array(counter), pa.string())
    email = pc.if_else(
        pa.array(style == 1),
        join(pc.utf8_lower(first), ".test.", number, "@qa-team.example.org"),
        join("test", number, "@example.com"),
    )
    worked = g.random(t) < 0.3
    status = np.where(worked, catalog.ST_DISQUALIFIED, catalog.ST_OPEN)
    owner = org.is_reps.pick(g, org.timeline.month_of_ts(created))
    touch = np.minimum(created + g.integers(HOUR, 2 * DAY, t), end_ts)
    lead = lead_rows(
        counter=counter,
        first_name=first,
        last_name=last,
        email=email,
        company=strings(["Test"] * t),
        title=np.full(t, -1),
        industry=np.where(g.random(t) < 0.5, g.integers(0, len(catalog.INDUSTRIES), t), -1),
        employees=np.where(g.random(t) < 0.5, 1, NULL),
        country=vec_country(g, t),
        channel=channel,
        status=status,
        rating=np.where(worked, 2, -1),
        disqualification=np.where(worked, 0, -1),
        owner=owner,
        converted_day=np.full(t, NULL),
        contact=np.full(t, NO_ID),
        account=np.full(t, NO_ID),
        opportunity=np.full(t, NO_ID),
        is_deleted=np.zeros(t, dtype=bool),
        master=np.full(t, NO_ID),
        created=created,
        modstamp=np.minimum(np.where(worked, touch + 60, created + 30), end_ts),
    )
    frames["lead"] = concat([frames["lead"], lead])
    member = activities.member_rows(
        campaign=campaign,
        lead_counter=counter,
        contact_counter=np.full(t, NO_ID),
        responded=np.ones(t, dtype=bool),
        response_ts=created,
        created=np.minimum(created + 5, end_ts),
        generator=g,
        end_ts=end_ts,
        channel=channel,
    )
    member["_lead"] = np.full(t, -1, dtype=np.int64)
    member["_campaign"] = campaign
    frames["campaign_member"] = concat([frames["campaign_member"], member])
    w = np.flatnonzero(worked)
    task = activities.task_rows(
        who=make_ids("lead", counter[w]),
        what=make_ids("opportunity", np.full(len(w), NO_ID)),
        owner=owner[w],
        subject=vocab_take(("Intro email",), np.zeros(len(w), dtype=np.int64)),
        kind=np.ones(len(w), dtype=np.int64),
        created=touch[w],
        generator=g,
        end_ts=end_ts,
    )
    task["_lead"] = np.full(len(w), -1, dtype=np.int64)
    frames["task"] = concat([frames["task"], task])
    return next_lead + t


def vec_country(g: np.random.Generator, n: int) -> np.ndarray:
    cdf = np.cumsum(catalog.COUNTRY_SHARE / catalog.COUNTRY_SHARE.sum())
    return np.minimum(np.searchsorted(cdf, g.random(n), side="right"), len(cdf) - 1)


# --- merges -------------------------------------------------------------------------------------
def _merged_leads(
    config: GeneratorConfig,
    org: Org,
    chunk: int,
    leads: Leads,
    deals: Deals,
    frames: dict[str, Frame],
    next_lead: int,
) -> np.ndarray:
    """Duplicate leads merged into a survivor: the loser is deleted with master_record_id set,
    and its membership and task now point to the survivor."""
    g = stream(config, "merged", chunk)
    tl = org.timeline
    end_ts = tl.end_ts
    m = int(g.binomial(leads.n, RATES["merged"]))
    survivor = np.unique(g.integers(0, leads.n, m))
    m = len(survivor)
    s_created = leads.created_ts[survivor]
    before = g.random(m) < 0.5
    offset = g.integers(DAY, 60 * DAY, m)
    created = np.where(before, s_created - offset, s_created + offset)
    created = np.clip(created, tl.start_day * DAY + 9 * HOUR, end_ts)
    merge_ts = np.maximum(created, s_created) + g.integers(HOUR, 20 * DAY, m)
    ok = merge_ts <= end_ts
    survivor, created, merge_ts = survivor[ok], created[ok], merge_ts[ok]
    m = len(survivor)
    if m == 0:
        return survivor
    counter = next_lead + np.arange(m, dtype=np.int64)
    email = lead_emails(leads, survivor)
    email = pc.if_else(pa.array(g.random(m) < 0.3), pc.utf8_upper(email), email)
    campaign, _ = activities.campaign_at(org, g, created, catalog.CHANNEL_SHARE)
    channel = org.campaigns.channel[campaign]
    lead = lead_rows(
        counter=counter,
        first_name=vocab_take(catalog.FIRST_NAMES, leads.first_name[survivor]),
        last_name=vocab_take(catalog.LAST_NAMES, leads.last_name[survivor]),
        email=email,
        company=lead_companies(leads, survivor),
        title=leads.title[survivor],
        industry=leads.industry[survivor],
        employees=leads.employees[survivor],
        country=leads.country[survivor],
        channel=channel,
        status=np.full(m, catalog.ST_OPEN),
        rating=np.full(m, -1),
        disqualification=np.full(m, -1),
        owner=leads.owner[survivor],
        converted_day=np.full(m, NULL),
        contact=np.full(m, NO_ID),
        account=np.full(m, NO_ID),
        opportunity=np.full(m, NO_ID),
        is_deleted=np.ones(m, dtype=bool),
        master=leads.counter[survivor],
        created=created,
        modstamp=merge_ts,
    )
    frames["lead"] = concat([frames["lead"], lead])

    # the loser's campaign response, re-parented to the survivor (unless already a member)
    n_campaigns = len(org.campaigns.channel)
    existing = _member_keys(frames["campaign_member"], n_campaigns)
    keys = survivor * (n_campaigns + 1) + campaign
    new = ~np.isin(keys, existing)
    contact_of = np.full(leads.n, NO_ID, dtype=np.int64)
    contact_of[deals.lead] = deals.contact_counter
    after_conversion = leads.appointment[survivor] & (created > leads.booking_ts[survivor])
    member = activities.member_rows(
        campaign=campaign[new],
        lead_counter=leads.counter[survivor[new]],
        contact_counter=np.where(after_conversion, contact_of[survivor], NO_ID)[new],
        responded=np.ones(int(new.sum()), dtype=bool),
        response_ts=created[new],
        created=created[new] + 5,
        generator=g,
        end_ts=end_ts,
        channel=channel[new],
    )
    member["system_modstamp"] = np.maximum(merge_ts[new], member["created_date"])
    member["_lead"] = survivor[new]
    member["_campaign"] = campaign[new]
    frames["campaign_member"] = concat([frames["campaign_member"], member])

    worked = np.flatnonzero(g.random(m) < 0.3)
    touch = np.minimum(created[worked] + g.integers(HOUR, 2 * DAY, len(worked)), merge_ts[worked])
    task = activities.task_rows(
        who=make_ids("lead", leads.counter[survivor[worked]]),
        what=make_ids("opportunity", np.full(len(worked), NO_ID)),
        owner=leads.owner[survivor[worked]],
        subject=vocab_take(("Intro email",), np.zeros(len(worked), dtype=np.int64)),
        kind=np.ones(len(worked), dtype=np.int64),
        created=touch,
        generator=g,
        end_ts=end_ts,
    )
    task["_lead"] = survivor[worked]
    frames["task"] = concat([frames["task"], task])
    return survivor


def _merged_people(
    config: GeneratorConfig, org: Org, chunk: int, frames: dict[str, Frame], base: int
) -> None:
    """A few duplicate contacts and accounts, merged into the surviving record."""
    end_ts = org.timeline.end_ts
    for k, table in enumerate(("contact", "account")):
        g = stream(config, "merged", chunk, k + 1)
        frame = frames[table]
        n = nrows(frame)
        if n == 0:
            continue
        m = int(g.binomial(n, RATES["merged_people"]))
        survivor = np.unique(g.integers(0, n, m))
        created = frame["created_date"][survivor] + g.integers(DAY, 30 * DAY, len(survivor))
        merge_ts = created + g.integers(HOUR, 10 * DAY, len(survivor))
        ok = merge_ts <= end_ts
        survivor, created, merge_ts = survivor[ok], created[ok], merge_ts[ok]
        m = len(survivor)
        if m == 0:
            continue
        loser = take(frame, survivor)
        loser["id"] = make_ids(table, base + n + 1 + np.arange(m, dtype=np.int64))
        loser["master_record_id"] = take(frame, survivor)["id"]
        loser["is_deleted"] = np.ones(m, dtype=bool)
        loser["created_date"] = created
        loser["system_modstamp"] = merge_ts
        if table == "contact":
            loser["email"] = pc.utf8_upper(loser["email"])
        else:
            loser["name"] = join(loser["name"], " Inc.")
            loser["type"] = vocab_take(("Prospect",), np.zeros(m, dtype=np.int64))
            loser["parent_id"] = pa.nulls(m, pa.string())
        frames[table] = concat([frame, loser])


# --- soft deletes -------------------------------------------------------------------------------
def _soft_delete(
    config: GeneratorConfig,
    org: Org,
    chunk: int,
    leads: Leads,
    frames: dict[str, Frame],
    protected: np.ndarray,
) -> None:
    """~1% of unconverted leads go to the recycle bin with their memberships and tasks,
    plus a few activities and memberships deleted on their own."""
    g = stream(config, "deleted", chunk)
    end_ts = org.timeline.end_ts
    n = leads.n
    eligible = ~leads.appointment
    eligible[protected] = False
    p = RATES["deleted"] * n / max(int(eligible.sum()), 1)
    chosen = eligible & (g.random(n) < p)
    lead = frames["lead"]
    mod = lead["system_modstamp"][:n]
    deleted_ts = np.minimum(mod + g.integers(HOUR, 30 * DAY, n), end_ts)
    deleted_ts = np.maximum(deleted_ts, mod)
    lead["is_deleted"][:n] |= chosen
    lead["system_modstamp"][:n] = np.where(chosen, deleted_ts, mod)

    for table in ("task", "campaign_member"):
        frame = frames[table]
        owner_lead = frame["_lead"]
        hit = (owner_lead >= 0) & chosen[np.maximum(owner_lead, 0)]
        frame["is_deleted"] = frame["is_deleted"] | hit
        when = deleted_ts[np.maximum(owner_lead, 0)]
        frame["system_modstamp"] = np.where(
            hit, np.maximum(frame["system_modstamp"], when), frame["system_modstamp"]
        )

    # on their own: a mistaken First Meeting, a mistaken call, a mistaken membership
    kept = ~chosen
    meet = np.flatnonzero(kept & leads.handled & ~leads.appointment & (g.random(n) < 0.004))
    created = leads.handle_ts[meet] + g.integers(DAY, 10 * DAY, len(meet))
    ok = created <= end_ts
    meet, created = meet[ok], created[ok]
    event = activities.first_meetings(leads, meet, created, g, end_ts)
    event["is_deleted"] = np.ones(len(meet), dtype=bool)
    event["system_modstamp"] = np.maximum(
        np.minimum(created + g.integers(HOUR, 3 * DAY, len(meet)), end_ts), created
    )
    event["_lead"] = meet
    frames["event"] = concat([frames["event"], event])

    call = np.flatnonzero(kept & (g.random(n) < 0.003))
    created = leads.created_ts[call] + g.integers(10 * MINUTE, 3 * DAY, len(call))
    ok = created <= end_ts
    call, created = call[ok], created[ok]
    task = activities.task_rows(
        who=make_ids("lead", leads.counter[call]),
        what=make_ids("opportunity", np.full(len(call), NO_ID)),
        owner=leads.owner[call],
        subject=vocab_take(("Intro call",), np.zeros(len(call), dtype=np.int64)),
        kind=np.zeros(len(call), dtype=np.int64),
        created=created,
        generator=g,
        end_ts=end_ts,
    )
    task["is_deleted"] = np.ones(len(call), dtype=bool)
    task["_lead"] = call
    frames["task"] = concat([frames["task"], task])

    join_ = np.flatnonzero(kept & (g.random(n) < 0.003))
    when = leads.created_ts[join_] + g.integers(HOUR, 60 * DAY, len(join_))
    ok = when <= end_ts
    join_, when = join_[ok], when[ok]
    campaign, _ = activities.campaign_at(org, g, when, catalog.RESPONSE_CHANNEL_SHARE)
    n_campaigns = len(org.campaigns.channel)
    existing = _member_keys(frames["campaign_member"], n_campaigns)
    new = ~np.isin(join_ * (n_campaigns + 1) + campaign, existing)
    join_, when, campaign = join_[new], when[new], campaign[new]
    member = activities.member_rows(
        campaign=campaign,
        lead_counter=leads.counter[join_],
        contact_counter=np.full(len(join_), NO_ID),
        responded=np.ones(len(join_), dtype=bool),
        response_ts=when,
        created=when,
        generator=g,
        end_ts=end_ts,
        channel=org.campaigns.channel[campaign],
    )
    member["is_deleted"] = np.ones(len(join_), dtype=bool)
    member["_lead"] = join_
    member["_campaign"] = campaign
    frames["campaign_member"] = concat([frames["campaign_member"], member])

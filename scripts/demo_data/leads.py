"""Leads of one chunk: who they are, where they came from and how Inside Sales handled them."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from . import catalog, rng, vec
from .config import GeneratorConfig
from .frame import DAY, NULL, Frame, vocab_take
from .ids import make_ids
from .org import Org
from .timeline import HOUR, business_day_offset, business_time


@dataclass
class Leads:
    """Per-lead state of a chunk (arrays of length n, index = position in the chunk)."""

    counter: np.ndarray  # global id counter
    month: np.ndarray
    channel: np.ndarray
    campaign: np.ndarray  # sourcing campaign index (0-based; id counter = index + 1)
    created_ts: np.ndarray
    industry: np.ndarray
    employees: np.ndarray
    country: np.ndarray
    fit: np.ndarray
    title: np.ndarray
    first_name: np.ndarray
    last_name: np.ndarray
    company_head: np.ndarray
    company_tail: np.ndarray
    company_noun: np.ndarray  # index into the flattened industry nouns
    owner: np.ndarray  # IS rep user counter
    handled: np.ndarray
    handle_ts: np.ndarray
    handle_type: np.ndarray  # 0 Call, 1 Email
    appointment: np.ndarray  # converted at an appointment booked before the end date
    pending: np.ndarray  # appointment would be booked after the end date
    booking_ts: np.ndarray
    skip_appointment: np.ndarray  # converted straight to Qualification, no First Meeting

    @property
    def n(self) -> int:
        return len(self.counter)


#: Flattened industry nouns: noun index = industry * NOUNS_PER_INDUSTRY + k.
NOUNS_PER_INDUSTRY = len(catalog.COMPANY_NOUNS[0])
FLAT_NOUNS: tuple[str, ...] = tuple(noun for nouns in catalog.COMPANY_NOUNS for noun in nouns)


def weekday(day: np.ndarray) -> np.ndarray:
    """0 = Monday ... 6 = Sunday (1970-01-01 was a Thursday)."""
    return (day + 3) % 7


def size_fit(employees: np.ndarray) -> np.ndarray:
    z = (np.log10(np.maximum(employees, 1)) - catalog.SIZE_FIT_CENTRE) / catalog.SIZE_FIT_WIDTH
    return np.exp(-0.5 * z * z)


def fit_score(industry: np.ndarray, employees: np.ndarray) -> np.ndarray:
    """ICP fit in (0, 1]: industry fit times a size fit peaking at 200-5000 employees."""
    return catalog.INDUSTRY_FIT[industry] * (0.35 + 0.65 * size_fit(employees))


def employee_band(employees: np.ndarray) -> np.ndarray:
    return np.searchsorted(np.array([50, 200, 1000, 5000]), employees, side="right")


def simulate_leads(config: GeneratorConfig, org: Org, chunk: int, first_counter: int) -> Leads:
    n = config.chunk_leads(chunk)
    g = rng.stream(config.seed, rng.LEADS, chunk)
    tl = org.timeline
    camp = org.campaigns

    month = vec.categorical(g, org.month_lead_share, n)
    channel = vec.sample_rows(g, np.cumsum(camp.channel_mix[month], axis=1))
    cand = camp.candidates[month, channel]
    slot = vec.sample_rows(g, camp.candidate_cdf[month, channel])
    campaign = cand[np.arange(n), slot]

    lo = np.maximum(camp.first_day[campaign], tl.month_start[month])
    hi = np.minimum(camp.last_day[campaign] + 1, tl.window_end[month])
    day = lo + np.floor(g.random(n) * np.maximum(hi - lo, 1)).astype(np.int64)
    # fewer leads at weekends: most weekend draws are drawn again (once)
    redraw = (weekday(day) >= 5) & (g.random(n) < 0.75)
    again = lo + np.floor(g.random(n) * np.maximum(hi - lo, 1)).astype(np.int64)
    day = np.where(redraw, again, day)
    office = g.random(n) < 0.78
    tod = np.where(office, business_time(g, n), g.integers(0, DAY, n))
    created_ts = np.minimum(day * DAY + tod, tl.end_ts)

    industry = vec.sample_rows(g, np.cumsum(catalog.CHANNEL_INDUSTRY_MIX[channel], axis=1))
    log_emp = (
        np.log(catalog.CHANNEL_EMPLOYEES_MEDIAN[channel])
        + g.normal(0.0, 1.0, n) * catalog.CHANNEL_EMPLOYEES_LOG_SD[channel]
    )
    employees = np.clip(np.round(np.exp(log_emp)), catalog.EMPLOYEES_MIN, catalog.EMPLOYEES_MAX)
    employees = employees.astype(np.int64)
    country = vec.categorical(g, catalog.COUNTRY_SHARE, n)
    fit = fit_score(industry, employees)
    title = vec.categorical(g, catalog.LEAD_TITLE_WEIGHT, n)
    first_name = g.integers(0, len(catalog.FIRST_NAMES), n)
    last_name = g.integers(0, len(catalog.LAST_NAMES), n)
    company_head = g.integers(0, len(catalog.COMPANY_HEADS), n)
    company_tail = g.integers(0, len(catalog.COMPANY_TAILS), n)
    company_noun = industry * NOUNS_PER_INDUSTRY + g.integers(0, NOUNS_PER_INDUSTRY, n)
    owner = org.is_reps.pick(g, month)

    # --- Inside Sales handling and appointments (own stream) ---------------------------------
    h = rng.stream(config.seed, rng.HANDLING, chunk)
    created_day = created_ts // DAY
    scenario = org.scenario  # a designed scenario: every lead of a cohort month has its rates
    if scenario is None:
        p_handled = catalog.HANDLING_RATE * (0.93 + 0.14 * fit)
    else:
        p_handled = scenario.rates["handled"][month]
    handled = h.random(n) < p_handled
    delay = vec.categorical(h, org.lags.handling_delay_weights, n)
    handle_day = business_day_offset(created_day, delay)
    handle_ts = handle_day * DAY + business_time(h, n)
    too_early = handle_ts <= created_ts + 300
    handle_ts = np.where(too_early, created_ts + h.integers(300, 4 * HOUR, n), handle_ts)
    handled &= handle_ts <= tl.end_ts
    handle_type = (h.random(n) >= 0.6).astype(np.int64)

    if scenario is None:
        handle_month = tl.month_of_ts(handle_ts)
        p_appointment = (
            catalog.CHANNEL_APPOINTMENT_BASE[channel]
            * appointment_fit_multiplier(fit)
            * org.factors.is_appointment[handle_month]
        )
    else:
        p_appointment = scenario.rates["appointment"][month]
    wants = handled & (h.random(n) < np.clip(p_appointment, 0.0, 0.95))
    booking_lo, booking_hi = org.lags.booking_days
    booking_day = business_day_offset(handle_ts // DAY + h.integers(booking_lo, booking_hi, n), 0)
    booking_ts = np.maximum(booking_day * DAY + business_time(h, n), handle_ts + HOUR)
    appointment = wants & (booking_ts <= tl.end_ts)
    pending = wants & ~appointment
    # a few conversions skip the first meeting (none in a scenario: every stage is reached in turn)
    skip_appointment = appointment & (h.random(n) < (0.03 if scenario is None else 0.0))

    return Leads(
        counter=first_counter + np.arange(n, dtype=np.int64),
        month=month,
        channel=channel,
        campaign=campaign,
        created_ts=created_ts,
        industry=industry,
        employees=employees,
        country=country,
        fit=fit,
        title=title,
        first_name=first_name,
        last_name=last_name,
        company_head=company_head,
        company_tail=company_tail,
        company_noun=company_noun,
        owner=owner,
        handled=handled,
        handle_ts=handle_ts,
        handle_type=handle_type,
        appointment=appointment,
        pending=pending,
        booking_ts=booking_ts,
        skip_appointment=skip_appointment,
    )


def appointment_fit_multiplier(fit: np.ndarray) -> np.ndarray:
    """Fit effect on the appointment rate (about 1 for an average lead)."""
    return 0.25 + 1.55 * fit


# --- string columns -------------------------------------------------------------------------
def join(*parts: pa.Array | str, sep: str = "") -> pa.Array:
    return pc.binary_join_element_wise(*parts, sep)


def company_names(head: np.ndarray, tail: np.ndarray, noun: np.ndarray) -> pa.Array:
    stem = join(vocab_take(catalog.COMPANY_HEADS, head), vocab_take(catalog.COMPANY_TAILS, tail))
    return join(stem, vocab_take(FLAT_NOUNS, noun), sep=" ")


def company_domains(head: np.ndarray, tail: np.ndarray, noun: np.ndarray) -> pa.Array:
    stem = join(vocab_take(catalog.COMPANY_HEADS, head), vocab_take(catalog.COMPANY_TAILS, tail))
    return pc.utf8_lower(join(stem, vocab_take(FLAT_NOUNS, noun), sep="-"))


def person_emails(
    first: np.ndarray, last: np.ndarray, number: np.ndarray, domain: pa.Array
) -> pa.Array:
    """first.last.number@domain.example.org (never example.com: that marks junk leads)."""
    local = join(
        pc.utf8_lower(vocab_take(catalog.FIRST_NAMES, first)),
        pc.utf8_lower(vocab_take(catalog.LAST_NAMES, last)),
        pc.cast(pa.array(np.asarray(number, dtype=np.int64)), pa.string()),
        sep=".",
    )
    return join(local, "@", domain, ".example.org")


def lead_companies(leads: Leads, idx: np.ndarray) -> pa.Array:
    return company_names(leads.company_head[idx], leads.company_tail[idx], leads.company_noun[idx])


def lead_emails(leads: Leads, idx: np.ndarray) -> pa.Array:
    domain = company_domains(
        leads.company_head[idx], leads.company_tail[idx], leads.company_noun[idx]
    )
    return person_emails(leads.first_name[idx], leads.last_name[idx], leads.counter[idx], domain)


def lead_rows(
    *,
    counter: np.ndarray,
    first_name: pa.Array,
    last_name: pa.Array,
    email: pa.Array,
    company: pa.Array,
    title: np.ndarray,
    industry: np.ndarray,
    employees: np.ndarray,
    country: np.ndarray,
    channel: np.ndarray,
    status: np.ndarray,
    rating: np.ndarray,
    disqualification: np.ndarray,
    owner: np.ndarray,
    converted_day: np.ndarray,
    contact: np.ndarray,
    account: np.ndarray,
    opportunity: np.ndarray,
    is_deleted: np.ndarray,
    master: np.ndarray,
    created: np.ndarray,
    modstamp: np.ndarray,
) -> Frame:
    """Lead rows; code arrays index the catalog vocabularies (-1 = null)."""
    return {
        "id": make_ids("lead", counter),
        "first_name": first_name,
        "last_name": last_name,
        "email": email,
        "company": company,
        "title": vocab_take(catalog.LEAD_TITLES, title),
        "industry": vocab_take(catalog.INDUSTRIES, industry),
        "number_of_employees": employees,
        "country": vocab_take(catalog.COUNTRIES, country),
        "lead_source": vocab_take(catalog.LEAD_SOURCES, channel),
        "status": vocab_take(catalog.LEAD_STATUSES, status),
        "rating": vocab_take(catalog.RATINGS, rating),
        "disqualification_reason_c": vocab_take(catalog.DISQUALIFICATION_REASONS, disqualification),
        "owner_id": make_ids("user", owner),
        "is_converted": converted_day != NULL,
        "converted_date": converted_day,
        "converted_contact_id": make_ids("contact", contact),
        "converted_account_id": make_ids("account", account),
        "converted_opportunity_id": make_ids("opportunity", opportunity),
        "currency_iso_code": vocab_take(
            catalog.CURRENCIES, np.where(country >= 0, catalog.COUNTRY_CURRENCY[country], 0)
        ),
        "is_deleted": is_deleted,
        "master_record_id": make_ids("lead", master),
        "created_date": created,
        "system_modstamp": np.maximum(modstamp, created),
        "region_c": vocab_take(catalog.REGIONS, country),
    }

"""A known ground truth: the article's company as designed department factor processes.

Opt-in scenario of the generator (``generate_demo_data.py --scenario article``); without
``--scenario`` nothing here is used and the default demo is unchanged, byte for byte.

Every process is a multiplier per *cohort month* t (the month a lead was created), independent
from month to month and between processes, on the log scale:

====================  =================  ===========================================================
process               department         moves (rate of cohort t into the stage, or its volume)
====================  =================  ===========================================================
lead_volume           Marketing          leads created in t: seasonality[calendar month] x
                                         exp(burst_log_size) in a campaign-burst month (probability
                                         burst_probability) x exp(N(0, log_sd^2))
is_coverage           Inside Sales       handled / lead: share of the leads IS works at all
is_conversion         Inside Sales       appointment / handled: IS turning a touch into a meeting
fs_qualification      Field Sales        pipeline / appointment: first meetings that become pipeline
fs_win                Field Sales        won / pipeline: selling power
fs_deal_size          Field Sales        won amount / won: the median deal of the cohort
customer              Customer / market  the customer's budgets and appetite; not a department and
                                         not observable: it moves pipeline, win and deal size
                                         together (its loadings), so the marts can only see it
                                         inside Field Sales' factors
====================  =================  ===========================================================

A rate process multiplies its stage's base rate (the median) by exp(sum_p loading_p * z_p(t)),
z_p ~ N(0, log_sd_p^2); a lead of cohort t reaches the stage with that probability, whatever
its channel or fit, and the stages follow each other after the lags of :class:`StageLags`.
So in the cohort view (leads of t that reached stage k within the cohort window) every factor
is the designed rate times binomial counting noise, and :meth:`GroundTruth.design` gives the
variance shares the marts should find: from the designed log-variances (processes independent),
the counting noise of the expected counts (1/N_0 for the volume, 1/N_j - 1/N_(j-1) for a rate)
and the sampling noise of an average deal.

What the scenario switches off so that the designed processes are the only monthly movements:
lead quality (channel and ICP fit do not change a lead's rates), leads converted straight into
qualification (every appointment gets its first meeting), reopened deals, amount changes during
the cycle and deals in other currencies (all deals in USD). Every month weighs the same
(February is not shorter). The rest of the demo (activities, campaigns, staff, names) is as in
the default generator.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import catalog, rng
from .timeline import Timeline

#: The stages in funnel order; won_amount stands for the deal size (won amount / won).
STAGES: tuple[str, ...] = ("lead", "handled", "appointment", "pipeline", "won", "won_amount")
#: The stages that count persons (won_amount is an amount).
COUNT_STAGES: tuple[str, ...] = STAGES[:-1]
#: A rate never goes above this, the generator's own cap on a lead's appointment and win
#: probability (a capped month would break the log-linear design a little; the test checks that
#: the article scenario's draws stay below it).
MAX_RATE = 0.95

MARKETING, INSIDE_SALES, FIELD_SALES = "Marketing", "Inside Sales", "Field Sales"
CUSTOMER = "Customer / market"
CHANCE = "chance"


@dataclass(frozen=True)
class StageLags:
    """How long each stage takes (the same for every cohort month), in days.

    handling_delay_weights: the first IS touch comes after k = 0, 1, ... business days;
    booking_days: the appointment is booked [lo, hi) days after that touch (on a weekday);
    qualification_days: the deal reaches pipeline [lo, hi) days after the appointment;
    close_span_days: it closes (won or lost) [lo, hi) days after reaching pipeline.
    """

    handling_delay_weights: np.ndarray
    booking_days: tuple[int, int]
    qualification_days: tuple[int, int]
    close_span_days: tuple[int, int]

    def longest_days_to(self, stage: str) -> int:
        """An upper bound on the days from a lead's creation to its reaching ``stage``.

        Each step may roll over a weekend (2 days) and office hours add part of a day; a cohort
        window at least this long sees every lead of a mature cohort that reaches the stage.
        """
        business_days = len(self.handling_delay_weights) - 1
        steps = {
            "lead": 0,
            "handled": business_days + 2 * (business_days // 5 + 1) + 1,
            "appointment": self.booking_days[1] - 1 + 2 + 1,
            "pipeline": self.qualification_days[1] - 1 + 2 + 1,
            "won": self.close_span_days[1] - 1 + 2 + 1,
        }
        stage = "won" if stage == "won_amount" else stage
        return sum(steps[s] for s in COUNT_STAGES[: COUNT_STAGES.index(stage) + 1])


#: The lags of the default demo (its literals, kept in one place).
DEMO_LAGS = StageLags(
    handling_delay_weights=catalog.HANDLING_DELAY_WEIGHTS,
    booking_days=(1, 21),
    qualification_days=(5, 31),
    close_span_days=(20, 121),
)


@dataclass(frozen=True)
class LeadVolume:
    """Marketing's process: leads created per month, relative to the average month."""

    seasonality: tuple[float, ...]  # multiplier per calendar month, January first
    burst_probability: float  # chance that a month has a campaign burst
    burst_log_size: float  # log of the burst's multiplier
    log_sd: float  # sd of the rest (budgets, channel mix), log scale
    department: str = MARKETING

    def log_variance(self, calendar_months: Sequence[int] | None = None) -> float:
        """Designed variance of log leads over a window of the given calendar months (1..12):
        the seasonality's sample variance over those months plus the bursts' and the noise's.
        Without months, a whole number of years."""
        log_season = np.log(np.asarray(self.seasonality))
        if calendar_months is None:
            seasonal = float(np.var(log_season))
        else:
            values = log_season[np.asarray(calendar_months) - 1]
            seasonal = float(np.var(values, ddof=1)) if len(values) > 1 else 0.0
        q = self.burst_probability
        return seasonal + q * (1 - q) * self.burst_log_size**2 + self.log_sd**2

    def mean_and_inverse_mean(self, calendar_months: Sequence[int] | None = None) -> tuple[float, float]:
        """E[w] over a year and E[1/w] over the window's months, w = the month's volume."""
        season = np.asarray(self.seasonality)
        window = season if calendar_months is None else season[np.asarray(calendar_months) - 1]
        q, b, s2 = self.burst_probability, self.burst_log_size, self.log_sd**2
        mean = float(season.mean()) * (1 - q + q * math.exp(b)) * math.exp(s2 / 2)
        inverse = float((1 / window).mean()) * (1 - q + q * math.exp(-b)) * math.exp(s2 / 2)
        return mean, inverse


@dataclass(frozen=True)
class FactorProcess:
    """A rate process: z(t) ~ N(0, log_sd^2) per cohort month; the rate into each stage of
    ``loadings`` (stage, exponent) is multiplied by exp(exponent * z(t))."""

    name: str
    department: str
    log_sd: float
    loadings: tuple[tuple[str, float], ...]
    description: str = ""

    def loading(self, stage: str) -> float:
        return sum(weight for s, weight in self.loadings if s == stage)


@dataclass(frozen=True)
class GroundTruth:
    """A designed company: its processes, base rates, deal size and lags (see the module doc)."""

    name: str
    description: str
    lead_volume: LeadVolume
    processes: tuple[FactorProcess, ...]
    base_rates: tuple[tuple[str, float], ...]  # (stage, median rate into it), handled .. won
    deal_size_usd: float  # median deal of an average month
    deal_log_sd: float  # spread of single deals around their cohort's median, log scale
    lags: StageLags = DEMO_LAGS

    def __post_init__(self) -> None:
        stages = [stage for stage, _ in self.base_rates]
        if stages != list(COUNT_STAGES[1:]):
            raise ValueError(f"base_rates must give {COUNT_STAGES[1:]} in order, not {stages}")
        for process in self.processes:
            unknown = {s for s, _ in process.loadings} - set(STAGES[1:])
            if unknown:
                raise ValueError(f"{process.name}: no rate into {sorted(unknown)}")

    def base_rate(self, stage: str) -> float:
        return dict(self.base_rates)[stage]

    # --- the generator's side -------------------------------------------------------------
    def draw(self, seed: int, timeline: Timeline) -> ScenarioDraw:
        """The processes' values for every month of the history (one stream, fixed order)."""
        g = rng.stream(seed, rng.SCENARIO)
        months = timeline.months
        lv = self.lead_volume
        season = np.asarray(lv.seasonality)[timeline.calendar_month - 1]
        burst = g.random(months) < lv.burst_probability
        log_volume = np.log(season) + lv.burst_log_size * burst + lv.log_sd * g.normal(0.0, 1.0, months)
        z = {p.name: p.log_sd * g.normal(0.0, 1.0, months) for p in self.processes}

        def multiplier(stage: str) -> np.ndarray:
            return np.exp(sum((p.loading(stage) * z[p.name] for p in self.processes), np.zeros(months)))

        rates = {
            stage: np.minimum(base * multiplier(stage), MAX_RATE) for stage, base in self.base_rates
        }
        return ScenarioDraw(
            truth=self,
            lead_weight=np.exp(log_volume),
            burst_months=tuple(int(m) for m in np.flatnonzero(burst)),
            rates=rates,
            deal_size=multiplier("won_amount"),
            log_process={"lead_volume": log_volume, **z},
        )

    # --- the designed answer ----------------------------------------------------------------
    def design(
        self,
        chain: Sequence[ChainFactor],
        leads_per_month: float,
        calendar_months: Sequence[int] | None = None,
    ) -> Design:
        """The cohort-view decomposition the marts should recover for a factor chain.

        ``leads_per_month``: the generated leads divided by the months of history;
        ``calendar_months``: the calendar month (1..12) of each period of the window (the
        seasonality's variance and the counts' chance depend on which months are in it).
        Assumes a cohort window at least ``lags.longest_days_to('won')`` days long, so that every
        lead that reaches a stage is counted there (a shorter window thins each stage by a
        constant: the same shares, smaller counts, more chance).
        """
        sources = [
            _Source(
                "lead_volume",
                self.lead_volume.department,
                self.lead_volume.log_variance(calendar_months),
                {"lead": 1.0},
            )
        ]
        sources += [
            _Source(p.name, p.department, p.log_sd**2, dict(p.loadings)) for p in self.processes
        ]
        inverse = self.expected_inverse_counts(leads_per_month, calendar_months)
        previous = 0.0
        for stage in COUNT_STAGES:
            sources.append(
                _Source(f"chance_{stage}", CHANCE, inverse[stage] - previous, {stage: 1.0}, True)
            )
            previous = inverse[stage]
        # the average of N won deals varies by cv^2 / N: chance too, which the marts count as
        # 1/N_eff - 1/N_won (N_eff = (sum a)^2 / sum a^2, the effective number of deals)
        deal_cv2 = math.expm1(self.deal_log_sd**2)
        sources.append(
            _Source("chance_deal_average", CHANCE, deal_cv2 * inverse["won"], {"won_amount": 1.0}, True)
        )
        return Design(tuple(chain), tuple(sources))

    def expected_inverse_counts(
        self, leads_per_month: float, calendar_months: Sequence[int] | None = None
    ) -> dict[str, float]:
        """E[1/N_s] per count stage: the mean over the window of what a period's counting noise
        gives log N_s (Poisson leads, binomial stages), from the designed expected counts."""
        mean_w, inverse_w = self.lead_volume.mean_and_inverse_mean(calendar_months)
        result = {"lead": mean_w * inverse_w / leads_per_month}
        loading = dict.fromkeys((p.name for p in self.processes), 0.0)  # on log N_s, so far
        base = 1.0
        for stage in COUNT_STAGES[1:]:
            base *= self.base_rate(stage)
            for p in self.processes:
                loading[p.name] += p.loading(stage)
            # E[exp(-X)] = exp(Var X / 2) for the normal log-multiplier X of the rates so far
            log_variance = sum((loading[p.name] * p.log_sd) ** 2 for p in self.processes)
            result[stage] = result["lead"] / base * math.exp(log_variance / 2)
        return result


@dataclass(frozen=True)
class ScenarioDraw:
    """The drawn processes of one run, by month of history (index = month of the timeline)."""

    truth: GroundTruth
    lead_weight: np.ndarray  # relative number of leads created in the month
    burst_months: tuple[int, ...]
    rates: dict[str, np.ndarray]  # stage -> probability that a lead of the cohort reaches it
    deal_size: np.ndarray  # multiplier of the cohort's median deal
    log_process: dict[str, np.ndarray] = field(repr=False)  # each process's log value

    def expected_log_factor(self, factor: ChainFactor, leads: int) -> np.ndarray:
        """Per month of history, the log of the factor the cohort was drawn to have before any
        counting noise: its expected leads (of ``leads`` in all), the product of its drawn rates,
        the mean of its deals (median x exp(deal_log_sd^2 / 2))."""
        result = np.zeros(len(self.lead_weight))
        for stage in factor.stages:
            if stage == "lead":
                result += np.log(leads * self.lead_weight / self.lead_weight.sum())
            elif stage == "won_amount":
                truth = self.truth
                result += np.log(truth.deal_size_usd * self.deal_size) + truth.deal_log_sd**2 / 2
            else:
                result += np.log(self.rates[stage])
        return result


# --- the chain and the designed shares ----------------------------------------------------------


@dataclass(frozen=True)
class ChainFactor:
    """One row of seed funnel_factors: f = numerator stage / denominator stage (none: volume)."""

    factor: str
    numerator_stage: str
    denominator_stage: str | None
    owner_department: str

    @property
    def stages(self) -> tuple[str, ...]:
        """The stages whose rates make up the factor (lead alone for the volume)."""
        end = STAGES.index(self.numerator_stage)
        start = 0 if self.denominator_stage is None else STAGES.index(self.denominator_stage) + 1
        return STAGES[start : end + 1]


def read_chain(path: Path | str) -> tuple[ChainFactor, ...]:
    """The factor chain of a funnel_factors seed, in factor_order."""
    with open(path, encoding="utf-8", newline="") as handle:
        rows = sorted(csv.DictReader(handle), key=lambda row: int(row["factor_order"]))
    return tuple(
        ChainFactor(
            row["factor"], row["numerator_stage"], row["denominator_stage"] or None, row["owner_department"]
        )
        for row in rows
    )


@dataclass(frozen=True)
class _Source:
    """An independent source of variance and the stages whose log it moves."""

    name: str
    department: str
    variance: float
    loadings: Mapping[str, float]
    counted_as_chance: bool = False  # counting noise of a stage count: the marts' chance


@dataclass(frozen=True)
class DesignedShare:
    """The designed covariance share of a component (a factor, or a department's factors) in
    the variance of a KPI's log, with the parts needed to judge an estimate of it."""

    kpi_stage: str
    component: str
    covariance: float  # Cov(log component, log N_k), chance included
    component_variance: float  # Var(log component)
    kpi_variance: float  # Var(log N_k)
    chance_variance: float  # the covariance counting noise of the counts gives (the marts' chance)
    noise_variance: float = 0.0  # Var of the component's own noise: counts and deal averages

    @property
    def share(self) -> float:
        return self.covariance / self.kpi_variance

    @property
    def chance_share(self) -> float:
        return self.chance_variance / self.kpi_variance

    @property
    def systematic_share(self) -> float:
        return self.share - self.chance_share

    def standard_error(self, periods: int) -> float:
        """Sampling error of the share estimated over ``periods`` independent periods.

        The share is the least-squares slope of log component on log N_k; its variance is the
        residual variance over the sum of squares of log N_k: (Var(x) - share^2 Var(y)) /
        ((n - 3) Var(y)) for normal logs (E[1/chi^2_(n-1)] = 1/(n - 3))."""
        residual = max(self.component_variance - self.share**2 * self.kpi_variance, 0.0)
        return math.sqrt(residual / ((periods - 3) * self.kpi_variance))


@dataclass(frozen=True)
class Design:
    """The designed decomposition of every KPI of a chain (see GroundTruth.design)."""

    chain: tuple[ChainFactor, ...]
    sources: tuple[_Source, ...]

    @property
    def kpi_stages(self) -> tuple[str, ...]:
        return tuple(f.numerator_stage for f in self.chain)

    @property
    def departments(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(f.owner_department for f in self.chain))

    def _loading(self, factors: Iterable[ChainFactor], source: _Source) -> float:
        return sum(source.loadings.get(stage, 0.0) for f in factors for stage in f.stages)

    def _kpi_factors(self, kpi_stage: str) -> tuple[ChainFactor, ...]:
        end = self.kpi_stages.index(kpi_stage)
        return self.chain[: end + 1]

    def component(self, kpi_stage: str, name: str, factors: Sequence[ChainFactor]) -> DesignedShare:
        """The designed share of the product of ``factors`` in KPI ``kpi_stage``."""
        kpi = self._kpi_factors(kpi_stage)
        inside = [f for f in factors if f in kpi]
        covariance = variance = kpi_variance = chance = noise = 0.0
        for source in self.sources:
            x, y = self._loading(inside, source), self._loading(kpi, source)
            covariance += x * y * source.variance
            variance += x * x * source.variance
            kpi_variance += y * y * source.variance
            if source.counted_as_chance:
                chance += x * y * source.variance
            if source.department == CHANCE:
                noise += x * x * source.variance
        return DesignedShare(kpi_stage, name, covariance, variance, kpi_variance, chance, noise)

    def factor(self, kpi_stage: str, factor: str) -> DesignedShare:
        (match,) = [f for f in self.chain if f.factor == factor]
        return self.component(kpi_stage, factor, [match])

    def department(self, kpi_stage: str, department: str) -> DesignedShare:
        """A department's controllable share: the covariance share of the factors it owns."""
        owned = [f for f in self.chain if f.owner_department == department]
        return self.component(kpi_stage, department, owned)

    def kpi(self, kpi_stage: str) -> DesignedShare:
        """The whole KPI: share 1, its chance share = the counting noise of N_k over Var(log N_k)."""
        return self.component(kpi_stage, kpi_stage, self._kpi_factors(kpi_stage))

    def process_shares(self, kpi_stage: str) -> dict[str, float]:
        """Who really moved the KPI: the share of Var(log N_k) of each process's department,
        the customer / market and chance (they sum to 1). Unlike the factor shares, this puts
        the customer factor apart from the Field Sales factors it moves."""
        kpi = self._kpi_factors(kpi_stage)
        parts: dict[str, float] = {}
        for source in self.sources:
            y = self._loading(kpi, source)
            parts[source.department] = parts.get(source.department, 0.0) + y * y * source.variance
        total = sum(parts.values())
        return {department: value / total for department, value in parts.items()}


# --- the scenarios ---------------------------------------------------------------------------

#: The article's company: lead volume swings most (seasonality and campaign bursts), Inside
#: Sales' coverage and conversion swing less, Field Sales' own levers the least; the customer
#: moves pipeline, wins and deal size together. In the cohort view Marketing on leads is fully
#: controllable, Inside Sales on appointments partly, Field Sales on won (amount) the least.
ARTICLE = GroundTruth(
    name="article",
    description="the article's company: designed department factor processes (a known ground truth)",
    lead_volume=LeadVolume(
        seasonality=(0.95, 1.0, 1.15, 1.0, 1.0, 0.95, 0.9, 0.68, 1.15, 1.2, 1.15, 0.72),
        burst_probability=0.25,
        burst_log_size=0.3,
        log_sd=0.08,
    ),
    processes=(
        FactorProcess(
            "is_coverage",
            INSIDE_SALES,
            0.12,
            (("handled", 1.0),),
            "IS capacity: the share of new leads IS touches at all",
        ),
        FactorProcess(
            "is_conversion",
            INSIDE_SALES,
            0.18,
            (("appointment", 1.0),),
            "IS skill and scripts: touched leads that book a first meeting",
        ),
        FactorProcess(
            "fs_qualification",
            FIELD_SALES,
            0.06,
            (("pipeline", 1.0),),
            "Field Sales qualification: first meetings that become pipeline",
        ),
        FactorProcess(
            "fs_win",
            FIELD_SALES,
            0.06,
            (("won", 1.0),),
            "Field Sales selling power: pipeline that closes won",
        ),
        FactorProcess(
            "fs_deal_size",
            FIELD_SALES,
            0.05,
            (("won_amount", 1.0),),
            "Field Sales pricing and upsell: the cohort's median deal",
        ),
        FactorProcess(
            "customer",
            CUSTOMER,
            0.04,
            (("pipeline", 0.5), ("won", 1.0), ("won_amount", 0.5)),
            "the market: customers' budgets move pipeline, wins and deal size together",
        ),
    ),
    base_rates=(("handled", 0.60), ("appointment", 0.45), ("pipeline", 0.60), ("won", 0.40)),
    deal_size_usd=25_000.0,
    deal_log_sd=0.5,
)

#: The scenarios of ``generate_demo_data.py --scenario``.
SCENARIOS: dict[str, GroundTruth] = {ARTICLE.name: ARTICLE}

"""A known ground truth: the cohort-view shares of the marts recover the designed variance shares.

The generator's scenario `article` (scripts/demo_data/ground_truth.py) draws every department's
factor as an independent process per cohort month: lead volume (Marketing: seasonality, campaign
bursts, noise), IS coverage and IS conversion, Field Sales qualification, win rate and deal size,
and a customer factor that moves pipeline, wins and deal size together. ``ARTICLE.design`` turns
the designed log-variances, the expected counts (chance) and the chain of seed funnel_factors into
the shares the cohort view must find. This test generates twelve years of monthly cohorts,
builds the controllability marts on them with one trailing window over every mature cohort, and
compares. Every expectation comes from the design, none from the marts.

Tolerance. A share is Cov(log f_i, log N_k) / Var(log N_k) over n periods: the least-squares
slope of log f_i on log N_k, so its sampling error is that of a slope,
SE = sqrt((Var(log f_i) - share^2 Var(log N_k)) / ((n - 3) Var(log N_k))), from the designed
variances (DesignedShare.standard_error). With n = 130 periods it is 0.018-0.044; the marts'
own jackknife errors agree, and over seeds 42-45 no share was off by more than 2.3 of them. A
recovered share passes within Z = 4 standard errors: a correct mart misses one such check with
probability 6e-5 (under 1% for all ~90 checks here together, which are far from independent),
and a wrong one (the period view, a factor read from the wrong month or the wrong side of the
chain, a lag the cohort window does not cover) misses by far more. The chance variance is a
mean of 1/N_k over the window, close to its design within a few percent; its share also
carries the sampling error of Var(log N_k), sqrt(2 / (n - 1)) relative.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from pathlib import Path

import pytest
from dbt_runner import PROJECT_DIR, generate_raw_duckdb, query, run_dbt
from demo_data.ground_truth import ARTICLE, MAX_RATE, Design, read_chain
from demo_data.timeline import Timeline

SEED = 42
MONTHS = 144  # twelve years of monthly cohorts: the covariances need periods more than leads
LEADS_PER_MONTH = 2000  # ~120 won deals a cohort: chance is about 7% of Var(log won)
END_DATE = dt.date(2026, 9, 30)
#: Longer than any lead takes to be won (ARTICLE.lags.longest_days_to('won') = 189 days; the
#: longest seen is 173), so a cohort's counts are its designed rates; it is also the warm-up
#: (the var's default).
COHORT_WINDOW_DAYS = 200
Z = 4.0
VARS = {
    # one window over every mature cohort after the warm-up
    "controllability_window_periods": MONTHS,
    "cohort_conversion_window_days": COHORT_WINDOW_DAYS,
}
MODELS = ("+fct_kpi_controllability", "+fct_kpi_controllability_factors")


def _month_starts() -> list[dt.date]:
    timeline = Timeline.build(END_DATE, MONTHS)
    return [dt.date(1970, 1, 1) + dt.timedelta(days=int(day)) for day in timeline.month_start]


def _expected_window() -> list[dt.date]:
    """The cohorts the window must hold: started after the warm-up (the cohort window after the
    first cohort) and mature (their last lead has had the whole cohort window by the end date)."""
    starts = _month_starts()
    warmup_end = starts[0] + dt.timedelta(days=COHORT_WINDOW_DAYS)
    return [
        start
        for start, after in itertools.pairwise(starts)
        if start >= warmup_end
        and after - dt.timedelta(days=1) + dt.timedelta(days=COHORT_WINDOW_DAYS) <= END_DATE
    ]


WINDOW = _expected_window()
PERIODS = len(WINDOW)
CHAIN = read_chain(PROJECT_DIR / "seeds" / "funnel_factors.csv")
DESIGN: Design = ARTICLE.design(CHAIN, LEADS_PER_MONTH, [month.month for month in WINDOW])


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("ground_truth")
    database = work / "ground_truth.duckdb"
    generate_raw_duckdb(
        database,
        LEADS_PER_MONTH * MONTHS,
        seed=SEED,
        months=MONTHS,
        extra_args=["--scenario", ARTICLE.name, "--no-dirt", "--end-date", END_DATE.isoformat()],
    )
    build = run_dbt(
        ["build", "--select", *MODELS, "--resource-type", "seed", "--resource-type", "model"],
        database,
        work,
        variables=VARS,
    )
    assert build.returncode == 0, build.output[-6000:]
    return database


def _last_cohort_window(database: Path, table: str, columns: str) -> list[tuple]:
    return query(
        database,
        f"select {columns} from {table} where conversion_view = 'cohort'"
        f" and window_end_period_start_date = (select max(window_end_period_start_date) from {table}"
        " where conversion_view = 'cohort')",
    )


def _tolerance(standard_error: float) -> float:
    return Z * standard_error + 1e-9  # shares fixed by construction (1 or 0) have no error


def _chance_relative_error(kpi_stage: str) -> float:
    """Relative sampling error of the window's mean chance variance, mean_t 1/N_k(t): the spread
    of 1/N_k over n periods (log-normal with the KPI's designed systematic variance V_k) and the
    normalisation of the drawn monthly volumes to the total leads over all MONTHS (V_0)."""
    kpi, lead = DESIGN.kpi(kpi_stage), DESIGN.kpi("lead")
    systematic = kpi.kpi_variance - kpi.chance_variance
    return math.sqrt(
        math.expm1(systematic) / PERIODS
        + math.expm1(lead.kpi_variance - lead.chance_variance) / MONTHS
    )


# --- the design itself ---------------------------------------------------------------------------


def test_the_design_is_the_article_company() -> None:
    """Marketing on leads fully controllable, Inside Sales on appointments partly, Field Sales on
    won amount the least - told apart by more than the test's tolerance - and chance small."""
    assert DESIGN.department("lead", "Marketing").share == pytest.approx(1.0)
    inside = DESIGN.department("appointment", "Inside Sales")
    field = DESIGN.department("won_amount", "Field Sales")
    assert 0.3 < inside.share < 0.7
    assert field.share < inside.share
    gap_error = math.hypot(inside.standard_error(PERIODS), field.standard_error(PERIODS))
    assert inside.share - field.share > Z * gap_error
    assert all(DESIGN.kpi(stage).chance_share < 0.1 for stage in DESIGN.kpi_stages)


def test_the_scenario_stays_inside_its_design() -> None:
    """The drawn rates stay below the generator's caps (a capped month is not log-linear), and the
    cohort window covers the longest lag (else a constant part of each stage is cut off)."""
    draw = ARTICLE.draw(SEED, Timeline.build(END_DATE, MONTHS))
    assert all(rates.max() < MAX_RATE for rates in draw.rates.values())
    assert ARTICLE.lags.longest_days_to("won") <= COHORT_WINDOW_DAYS
    assert PERIODS >= 120


# --- what the marts recover ----------------------------------------------------------------------


def test_the_window_holds_every_mature_cohort_after_the_warmup(warehouse: Path) -> None:
    rows = _last_cohort_window(
        warehouse,
        "fct_kpi_controllability_factors",
        "distinct window_start_period_start_date, window_end_period_start_date,"
        " periods_used_count, periods_excluded_count",
    )
    assert rows == [(WINDOW[0], WINDOW[-1], PERIODS, 0)]


def test_factor_shares_recover_the_designed_shares(warehouse: Path) -> None:
    rows = _last_cohort_window(
        warehouse, "fct_kpi_controllability_factors", "kpi_stage, factor, variance_share"
    )
    recovered = {(stage, factor): share for stage, factor, share in rows}
    expected = {
        (stage, factor.factor): DESIGN.factor(stage, factor.factor)
        for stage in DESIGN.kpi_stages
        for factor in CHAIN[: DESIGN.kpi_stages.index(stage) + 1]
    }
    assert recovered.keys() == expected.keys()
    misses = {
        key: f"recovered {recovered[key]:.3f}, designed {design.share:.3f}"
        f" +- {_tolerance(design.standard_error(PERIODS)):.3f}"
        for key, design in expected.items()
        if abs(recovered[key] - design.share) > _tolerance(design.standard_error(PERIODS))
    }
    assert not misses


def test_department_shares_recover_the_designed_shares(warehouse: Path) -> None:
    rows = _last_cohort_window(
        warehouse, "fct_kpi_controllability", "department, kpi_stage, controllable_share"
    )
    recovered = {(department, stage): share for department, stage, share in rows}
    assert recovered.keys() == {(d, k) for d in DESIGN.departments for k in DESIGN.kpi_stages}
    misses = {}
    for (department, stage), share in recovered.items():
        design = DESIGN.department(stage, department)
        tolerance = _tolerance(design.standard_error(PERIODS))
        if abs(share - design.share) > tolerance:
            misses[department, stage] = (
                f"recovered {share:.3f}, designed {design.share:.3f} +- {tolerance:.3f}"
            )
    assert not misses


def test_each_cohort_factor_is_its_drawn_rate_up_to_chance(warehouse: Path) -> None:
    """Per cohort, not only over the window: log f_i(t) of the marts less the log of the factor
    the generator drew for cohort t (ScenarioDraw.expected_log_factor) is counting noise alone:
    its mean is the -noise/2 a log of a count has (to within Z sqrt(noise / n)) and its variance
    the designed noise (to within the sampling error of a variance). A factor read from the wrong
    cohort, a stage counted outside its window or a rate thinned twice leaves the drawn
    process's variance in the residual, many times the noise."""
    draw = ARTICLE.draw(SEED, Timeline.build(END_DATE, MONTHS))
    month_index = {start: index for index, start in enumerate(_month_starts())}
    rows = query(
        warehouse,
        "select factor, period_start_date, log_factor from fct_kpi_factor_periods"
        " where conversion_view = 'cohort' and kpi_stage = 'won_amount' and is_usable_period",
    )
    misses = {}
    for factor in CHAIN:
        logs = {start: value for name, start, value in rows if name == factor.factor}
        expected = draw.expected_log_factor(factor, LEADS_PER_MONTH * MONTHS)
        residuals = [logs[start] - expected[month_index[start]] for start in WINDOW]
        mean = sum(residuals) / PERIODS
        variance = sum((r - mean) ** 2 for r in residuals) / (PERIODS - 1)
        noise = DESIGN.component(factor.numerator_stage, factor.factor, [factor]).noise_variance
        if abs(mean + noise / 2) > Z * math.sqrt(noise / PERIODS):
            misses[factor.factor, "mean"] = f"{mean:+.4f}, designed {-noise / 2:+.4f}"
        if abs(variance / noise - 1) > Z * math.sqrt(2 / (PERIODS - 1)):
            misses[factor.factor, "variance"] = f"{variance:.5f}, designed noise {noise:.5f}"
    assert not misses


def test_factor_variances_are_the_designed_ones(warehouse: Path) -> None:
    """Shares are ratios: a generator drawing every process with twice its sd would still give the
    designed shares. The variance of each factor's log is checked against its design, within the
    sampling error of a variance over n periods, sqrt(2 / (n - 1)) relative."""
    rows = _last_cohort_window(
        warehouse, "fct_kpi_controllability_factors", "distinct factor, log_factor_variance"
    )
    relative = Z * math.sqrt(2 / (PERIODS - 1))
    misses = {}
    for factor, variance in rows:
        (owner,) = [f for f in CHAIN if f.factor == factor]
        design = DESIGN.component(owner.numerator_stage, factor, [owner]).component_variance
        if abs(variance / design - 1) > relative:
            misses[factor] = f"recovered {variance:.5f}, designed {design:.5f} +- {relative:.0%}"
    assert not misses


def test_chance_matches_the_designed_volume(warehouse: Path) -> None:
    """The chance variance of each KPI (the mean of 1/N_k over the window: what counting noise
    alone gives) is what the designed expected counts give, and so is its share of the KPI's
    variance, within the sampling error of that variance too."""
    rows = _last_cohort_window(
        warehouse,
        "fct_kpi_controllability",
        "distinct kpi_stage, kpi_chance_share, kpi_chance_share * log_kpi_variance",
    )
    assert {stage for stage, *_ in rows} == set(DESIGN.kpi_stages)
    misses = {}
    for stage, chance_share, chance_variance in rows:
        design = DESIGN.kpi(stage)
        relative = _chance_relative_error(stage)
        if abs(chance_variance / design.chance_variance - 1) > Z * relative:
            misses[stage, "variance"] = (
                f"recovered {chance_variance:.5f}, designed {design.chance_variance:.5f}"
                f" +- {Z * relative:.0%}"
            )
        share_relative = Z * math.hypot(relative, math.sqrt(2 / (PERIODS - 1)))
        if abs(chance_share / design.chance_share - 1) > share_relative:
            misses[stage, "share"] = (
                f"recovered {chance_share:.3f}, designed {design.chance_share:.3f} +- {share_relative:.0%}"
            )
    assert not misses


def test_the_cohort_view_tells_the_article_story(warehouse: Path) -> None:
    rows = _last_cohort_window(
        warehouse, "fct_kpi_controllability", "department, kpi_stage, controllable_share"
    )
    share = {(department, stage): value for department, stage, value in rows}
    inside = DESIGN.department("appointment", "Inside Sales").standard_error(PERIODS)
    field = DESIGN.department("won_amount", "Field Sales").standard_error(PERIODS)
    assert share["Marketing", "lead"] == pytest.approx(1.0)
    # Inside Sales controls part of its appointments: told apart from 0 and from 1
    assert Z * inside < share["Inside Sales", "appointment"] < 1 - Z * inside
    # Field Sales controls the least of its KPI
    assert share["Inside Sales", "appointment"] - share["Field Sales", "won_amount"] > Z * math.hypot(
        inside, field
    )


def test_the_period_view_credits_field_sales_with_the_lags(warehouse: Path) -> None:
    """The same data in the period view: the stages of a month come from different cohorts, so the
    upstream swings reach won deals months later, where a same-month covariance cannot see them,
    and Field Sales is credited with far more than its designed share of its won amount."""
    rows = query(
        warehouse,
        "select controllable_share from fct_kpi_controllability"
        " where conversion_view = 'period' and department = 'Field Sales' and kpi_stage = 'won_amount'"
        " and window_end_period_start_date = (select max(window_end_period_start_date)"
        " from fct_kpi_controllability where conversion_view = 'period')",
    )
    design = DESIGN.department("won_amount", "Field Sales")
    assert rows[0][0] > design.share + _tolerance(design.standard_error(PERIODS))

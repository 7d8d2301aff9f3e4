"""What every panel needs to know: the warehouse, labels, grain and the key periods."""

# Bilingual UI text: full-width Japanese punctuation and typographic signs (–, ×, ÷) are intended.
# ruff: noqa: RUF001, RUF003

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from .labels import Labels
from .style import period_label
from .warehouse import Warehouse

# The marts every build of the project has; the dashboard stops with a message without them.
REQUIRED_MARTS = (
    "fct_funnel_periods",
    "fct_funnel_cohorts",
    "fct_department_kpis",
    "fct_kpi_controllability",
    "fct_kpi_controllability_factors",
    "fct_kpi_gap_attribution",
    "fct_conversion_volatility",
    "fct_kpi_readiness",
    "fct_revenue_plan",
    "fct_targeting_alignment",
)
STAGE_ORDER = ("lead", "handled", "appointment", "pipeline", "won")
KPI_ORDER = ("lead", "appointment", "pipeline", "won", "won_amount")
# the candidate KPIs of the controllability marts: every stage of a factor chain (handled too,
# where the seed funnel_factors puts it in the chain) and the won amount
CHAIN_KPI_ORDER = ("lead", "handled", "appointment", "pipeline", "won", "won_amount")
DEPARTMENT_ORDER = ("Marketing", "Inside Sales", "Field Sales")


@dataclass
class Context:
    warehouse: Warehouse
    labels: Labels
    grain: str
    as_of_date: dt.date | None
    latest_complete_period: dt.date | None
    current_period: dt.date | None

    @classmethod
    def load(cls, warehouse: Warehouse, lang: str) -> Context:
        warehouse.require(*REQUIRED_MARTS)
        periods = warehouse.rows(
            """
            select
                max(period_grain) as grain,
                max(case when is_complete_period then period_start_date end) as latest_complete,
                max(case when not is_complete_period then period_start_date end) as current_period
            from {fct_funnel_periods}
            where breakdown_dimension = 'total'
            """
        )[0]
        return cls(
            warehouse=warehouse,
            labels=warehouse.labels(lang),
            grain=periods["grain"] or "month",
            as_of_date=warehouse.as_of_date(),
            latest_complete_period=periods["latest_complete"],
            current_period=periods["current_period"],
        )

    def period(self, start: dt.date | None) -> str:
        return "–" if start is None else period_label(start, self.grain)

    def department_sort_key(self, department: str) -> tuple[int, str]:
        order = (
            DEPARTMENT_ORDER.index(department) if department in DEPARTMENT_ORDER else len(DEPARTMENT_ORDER)
        )
        return order, department

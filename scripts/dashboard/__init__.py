"""Render the revenue_funnel marts as one self-contained HTML dashboard (plotly, offline).

from dashboard import build_dashboard
build_dashboard(Path("revenue_funnel.duckdb"), Path("build/dashboard/index.html"), lang="en")
"""

from __future__ import annotations

from pathlib import Path

from .context import Context
from .controllability_panels import (
    controllability_panel,
    factor_decomposition_panel,
    gap_attribution_panel,
    volatility_panel,
)
from .funnel_panels import department_kpis_panel, funnel_panel, revenue_plan_panel, summary_html
from .market_panels import campaign_panel, targeting_panel
from .page import render_page
from .style import Panel
from .warehouse import Warehouse, WarehouseError

__all__ = ["PANEL_KEYS", "WarehouseError", "build_dashboard", "build_panels"]

# In page order; tests check that every one of them is rendered.
PANEL_BUILDERS = (
    funnel_panel,
    department_kpis_panel,
    controllability_panel,
    factor_decomposition_panel,
    gap_attribution_panel,
    volatility_panel,
    revenue_plan_panel,
    campaign_panel,
    targeting_panel,
)
PANEL_KEYS = (
    "funnel",
    "kpis",
    "controllability",
    "factors",
    "gap",
    "volatility",
    "revenue-plan",
    "campaigns",
    "targeting",
)


def build_panels(ctx: Context) -> list[Panel]:
    return [builder(ctx) for builder in PANEL_BUILDERS]


def build_dashboard(database: Path, out: Path, lang: str = "en", schema: str = "main") -> list[Panel]:
    """Read the marts from `database` (read-only) and write the page to `out`; returns the panels."""
    with Warehouse(database, schema=schema) as warehouse:
        ctx = Context.load(warehouse, lang)
        panels = build_panels(ctx)
        page = render_page(ctx, panels, summary_html(ctx))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(page, encoding="utf-8")
    return panels

"""Shared look of the dashboard: colours, number formats, the base figure layout, Panel."""

# Bilingual UI text: full-width Japanese punctuation and typographic signs (–, ×, ÷) are intended.
# ruff: noqa: RUF001, RUF003

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import plotly.graph_objects as go

from . import markup
from .markup import Markup

# Japanese glyphs need a CJK font; these are tried in order (Noto CJK on Linux/CI).
FONT_FAMILY = (
    '"Noto Sans CJK JP", "Noto Sans JP", "Hiragino Sans", "Yu Gothic UI", "Meiryo", '
    '"Helvetica Neue", Arial, sans-serif'
)

DEPARTMENT_COLORS = {
    "Marketing": "#3b6fb6",
    "Inside Sales": "#e08a1e",
    "Field Sales": "#2e8b57",
    "Unassigned": "#9e9e9e",
}
STAGE_COLORS = {
    "lead": "#5b8bd0",
    "handled": "#8fb3e3",
    "appointment": "#e08a1e",
    "pipeline": "#2e8b57",
    "won": "#1f5f3b",
    "won_amount": "#6a3d9a",
}
FACTOR_COLORS = {
    "lead_volume": "#3b6fb6",
    "handled_coverage": "#f4c27a",
    "appointment_rate": "#e08a1e",
    "pipeline_rate": "#7fc97f",
    "win_rate": "#2e8b57",
    "deal_size": "#14532d",
    "handled_rate": "#f4c27a",
}
MODEL_COLORS = {
    "first_touch": "#1b9e77",
    "last_touch": "#d95f02",
    "linear": "#7570b3",
    "position_based": "#e7298a",
    "w_shaped": "#66a61e",
    "time_decay": "#a6761d",
}
# Purples, so that tiers never look like a department (Field Sales is green).
TIER_COLORS = {"A": "#5e35b1", "B": "#9f8fd6", "C": "#cfd8dc", "Unmatched": "#e0e0e0", "Unknown": "#eeeeee"}
GOOD, BAD, NEUTRAL, TOTAL = "#2e8b57", "#c0392b", "#9e9e9e", "#546e7a"


@dataclass(frozen=True)
class Text:
    """A piece of prose in both languages; the page shows one, switchable."""

    en: str
    ja: str


@dataclass
class Panel:
    """One card of the dashboard: a title, a caption, and a figure or a notice."""

    key: str
    title: Text
    caption: Text
    sources: list[str]
    figure: go.Figure | None = None
    notice: Text | None = None
    extra_html: str = ""
    notes: list[Text] = field(default_factory=list)


def base_layout(figure: go.Figure, height: int, **layout: object) -> go.Figure:
    """The house style; keyword arguments override the defaults (margin, legend...)."""
    settings: dict[str, object] = {
        "height": height,
        "autosize": True,
        "font": {"family": FONT_FAMILY, "size": 12, "color": "#263238"},
        "paper_bgcolor": "white",
        "plot_bgcolor": "white",
        "margin": {"l": 70, "r": 30, "t": 60, "b": 50},
        "hoverlabel": {"font": {"family": FONT_FAMILY}},
        "legend": {"orientation": "h", "yanchor": "bottom", "y": 1.06, "xanchor": "left", "x": 0},
    }
    settings.update(layout)
    figure.update_layout(**settings)
    figure.update_xaxes(showgrid=False, linecolor="#b0bec5", ticks="outside", tickcolor="#b0bec5")
    figure.update_yaxes(gridcolor="#eceff1", zerolinecolor="#b0bec5", linecolor="#b0bec5")
    figure.update_annotations(font={"family": FONT_FAMILY, "size": 13})
    return figure


def fmt_count(value: float | None) -> str:
    if value is None:
        return "–"
    if abs(value - round(value)) < 1e-9:
        return f"{round(value):,}"
    return f"{value:,.1f}"


def fmt_amount(value: float | None) -> str:
    if value is None:
        return "–"
    magnitude = abs(value)
    if magnitude >= 1e6:
        return f"{value / 1e6:,.2f}M"
    if magnitude >= 1e3:
        return f"{value / 1e3:,.0f}k"
    return f"{value:,.0f}"


def fmt_value(value: float | None, stage: str) -> str:
    return fmt_amount(value) if stage == "won_amount" else fmt_count(value)


def fmt_pct(value: float | None, digits: int = 0) -> str:
    if value is None:
        return "–"
    return f"{value * 100:.{digits}f}%"


def fmt_share(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}"


def period_label(start: dt.date, grain: str) -> str:
    if grain == "quarter":
        return f"{start.year} Q{(start.month - 1) // 3 + 1}"
    if grain == "week":
        return f"week of {start.isoformat()}"
    return start.strftime("%Y-%m")


def wrap(text: str, width: int = 12) -> Markup:
    """Break a label onto lines of about `width` characters for a narrow axis (plotly <br>).

    The lines are escaped: `text` is plain text or a Markup label (wrapped as the text it shows).
    """
    return markup.wrap(text, width=width, break_long_words=False)

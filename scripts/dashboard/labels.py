"""Bilingual labels (English / Japanese) for stages, factors, departments and models.

Stage and factor labels come from the marts `dim_funnel_stages` and `dim_kpi_factors` (the
seeds `funnel_stages` and `funnel_factors`) when the warehouse has them (configuration is data),
with the defaults below as a fallback; everything else is fixed vocabulary of the domain. A key
missing from the tables (a department or stage name read from the data) is its own label.

Every label is returned as `Markup`: the names escaped as plain text, joined by the separator given
in code (" " or plotly's "<br>"), ready for plotly strings and the HTML of the page alike.
"""

# Bilingual UI text: full-width Japanese punctuation and typographic signs (–, ×, ÷) are intended.
# ruff: noqa: RUF003

from __future__ import annotations

from dataclasses import dataclass, field

from .markup import Markup, escape

LANGUAGES = ("en", "ja")

STAGES: dict[str, tuple[str, str]] = {
    "lead": ("Lead", "リード"),
    "handled": ("Handled by IS", "IS対応"),
    "appointment": ("Appointment", "商談アポイント"),
    "pipeline": ("Pipeline", "案件化"),
    "won": ("Won", "成約"),
    "won_amount": ("Won amount", "成約金額"),
}

FACTORS: dict[str, tuple[str, str]] = {
    "lead_volume": ("Lead acquisition", "リード集客力"),
    "handled_coverage": ("IS coverage", "IS対応率"),
    "appointment_rate": ("Appointment conversion", "商談獲得力"),
    "pipeline_rate": ("Qualification into pipeline", "案件化率"),
    "win_rate": ("Selling power", "営業力"),
    "deal_size": ("Average deal size", "平均受注単価"),
    "handled_rate": ("IS handled rate", "IS対応比率"),
}

DEPARTMENTS: dict[str, tuple[str, str]] = {
    "Marketing": ("Marketing", "マーケティング"),
    "Inside Sales": ("Inside Sales", "インサイドセールス"),
    "Field Sales": ("Field Sales", "フィールドセールス"),
    "Unassigned": ("Unassigned", "未割当"),
}

ATTRIBUTION_MODELS: dict[str, tuple[str, str]] = {
    "first_touch": ("First touch", "ファーストタッチ"),
    "last_touch": ("Last touch", "ラストタッチ"),
    "linear": ("Linear", "均等配分"),
    "position_based": ("Position-based 40/20/40", "ポジションベース"),
    "w_shaped": ("W-shaped", "W字型"),
    "time_decay": ("Time decay", "時間減衰"),
}

TIERS: dict[str, tuple[str, str]] = {
    "A": ("Tier A", "ティアA"),
    "B": ("Tier B", "ティアB"),
    "C": ("Tier C", "ティアC"),
    "Unmatched": ("Unmatched", "該当なし"),
    "Unknown": ("Unknown", "不明"),
}


@dataclass
class Labels:
    """Formats a (English, Japanese) pair in the page's primary language first."""

    lang: str = "en"
    stages: dict[str, tuple[str, str]] = field(default_factory=lambda: dict(STAGES))
    factors: dict[str, tuple[str, str]] = field(default_factory=lambda: dict(FACTORS))

    def __post_init__(self) -> None:
        if self.lang not in LANGUAGES:
            raise ValueError(f"lang must be one of {LANGUAGES}, got {self.lang!r}")

    def pair(self, pair: tuple[str, str], separator: str = " ") -> Markup:
        """'Appointment (商談アポイント)' in English, '商談アポイント (Appointment)' in Japanese.

        `separator` is markup written in code (" " or "<br>"); the two names are escaped.
        """
        en, ja = pair
        if en == ja:
            return escape(en)
        first, second = (en, ja) if self.lang == "en" else (ja, en)
        return Markup(f"{escape(first)}{separator}({escape(second)})")

    def primary(self, pair: tuple[str, str]) -> Markup:
        return escape(pair[0] if self.lang == "en" else pair[1])

    def _lookup(self, table: dict[str, tuple[str, str]], key: str) -> tuple[str, str]:
        return table.get(key, (key, key))

    def stage(self, key: str, separator: str = " ") -> Markup:
        return self.pair(self._lookup(self.stages, key), separator)

    def stage_short(self, key: str) -> Markup:
        return self.primary(self._lookup(self.stages, key))

    def factor(self, key: str, separator: str = " ") -> Markup:
        return self.pair(self._lookup(self.factors, key), separator)

    def factor_short(self, key: str) -> Markup:
        return self.primary(self._lookup(self.factors, key))

    def department(self, key: str, separator: str = " ") -> Markup:
        return self.pair(self._lookup(DEPARTMENTS, key), separator)

    def department_short(self, key: str) -> Markup:
        return self.primary(self._lookup(DEPARTMENTS, key))

    def model(self, key: str, separator: str = " ") -> Markup:
        return self.pair(self._lookup(ATTRIBUTION_MODELS, key), separator)

    def tier(self, key: str) -> Markup:
        return self.pair(self._lookup(TIERS, key))

    def text(self, pair: tuple[str, str]) -> Markup:
        """A chart string in the primary language only (prose in the page is switchable)."""
        return self.primary(pair)

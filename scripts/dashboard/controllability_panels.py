"""Controllability panels: the matrix, the factor decomposition, gap attribution, volatility."""

# Bilingual UI text: full-width Japanese punctuation and typographic signs (–, ×, ÷) are intended.
# ruff: noqa: RUF001, RUF003

from __future__ import annotations

import datetime as dt
import itertools
from collections import defaultdict

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from .context import CHAIN_KPI_ORDER, Context
from .markup import Markup, escape, wrap
from .style import (
    BAD,
    DEPARTMENT_COLORS,
    FACTOR_COLORS,
    GOOD,
    NEUTRAL,
    TOTAL,
    Panel,
    Text,
    base_layout,
    fmt_pct,
    fmt_share,
    fmt_value,
)

# handled_coverage when the chain holds handled (the demo), handled_rate when it is a side rate
RATE_ORDER = (
    "handled_coverage",
    "handled_rate",
    "appointment_rate",
    "pipeline_rate",
    "win_rate",
    "deal_size",
)
# Inside Sales and Field Sales own rates of one colour family: the dash tells them apart.
RATE_DASH = {"handled_coverage": "dot", "handled_rate": "dot", "deal_size": "dash"}
READINESS_STATES = (
    ("beyond", ("Beyond readiness", "無理なKPI設定"), BAD),
    ("ready", ("Ready for the next stage", "次ステージへの準備完了"), GOOD),
    ("stable", ("Held rate stable, not ready yet", "保持KPIは安定・準備未了"), "#90caf9"),
    ("lead", ("Lead KPI (nothing inherited)", "リードKPI（継承なし）"), "#cfd8dc"),
)


# The two conversion views of the controllability marts, cohort first: its factors are rates, the
# period view's are flows whose shares also carry the lags between stages.
VIEWS = (
    ("cohort", ("Cohort view (rates)", "コホートビュー（率）")),
    ("period", ("Period view (flows)", "期間ビュー（フロー）")),
)


def controllability_panel(ctx: Context) -> Panel:
    labels = ctx.labels
    # the latest window of each view: the cohort view's ends earlier, at the last mature cohort
    rows = ctx.warehouse.rows(
        """
        select *
        from {fct_kpi_controllability} as shares
        where window_end_period_start_date = (
            select max(latest.window_end_period_start_date) from {fct_kpi_controllability} as latest
            where latest.conversion_view = shares.conversion_view
        )
        """
    )
    panel = _controllability_panel_header()
    if not rows:
        panel.notice = Text(
            "fct_kpi_controllability has no rows.", "fct_kpi_controllability に行がありません。"
        )
        return panel
    departments = sorted({r["department"] for r in rows}, key=ctx.department_sort_key)
    stages = [s for s in CHAIN_KPI_ORDER if any(r["kpi_stage"] == s for r in rows)]
    views = [(view, title) for view, title in VIEWS if any(r["conversion_view"] == view for r in rows)]
    cells = {view: {(r["department"], r["kpi_stage"]): r for r in rows if r["conversion_view"] == view}
             for view, _title in views}  # fmt: skip
    titles = [labels.text(("Structural: owned factors ÷ factors", "構造的：保有ファクター÷全ファクター"))]
    for view, title in views:
        first = next(iter(cells[view].values()))
        start = ctx.period(first["window_start_period_start_date"])
        end = ctx.period(first["window_end_period_start_date"])
        titles.append(labels.text(title) + f"<br>{start} – {end}")
    figure = make_subplots(rows=1, cols=1 + len(views), horizontal_spacing=0.06, subplot_titles=titles)
    x_labels = [labels.stage(stage, "<br>") for stage in stages]
    y_labels = [labels.department(department, "<br>") for department in departments]
    structural = cells[views[0][0]]
    z, text, hover = _matrix_cells(structural, departments, stages, "structural_controllability")
    _add_matrix(figure, x_labels, y_labels, z, text, hover, 1)
    for col, (view, _title) in enumerate(views, start=2):
        z, text, hover = _matrix_cells(cells[view], departments, stages, "controllable_share")
        _add_matrix(figure, x_labels, y_labels, z, text, hover, col)
    for col in range(2, 2 + len(views)):
        figure.update_yaxes(showticklabels=False, row=1, col=col)
    figure.update_yaxes(autorange="reversed")
    base_layout(
        figure,
        height=430,
        margin={"l": 130, "r": 30, "t": 70, "b": 60},
        coloraxis={
            "colorscale": "RdYlGn",
            "cmin": 0,
            "cmax": 1,
            "colorbar": {"title": {"text": labels.text(("share", "比率"))}, "thickness": 14, "len": 0.9},
        },
    )
    figure.update_xaxes(showline=False, ticks="")
    figure.update_yaxes(showline=False, showgrid=False)
    panel.figure = figure
    return panel


def _controllability_panel_header() -> Panel:
    return Panel(
        key="controllability",
        title=Text(
            "Controllability matrix: department × KPI stage",
            "コントローラブル性マトリクス：部門×KPIステージ",
        ),
        caption=Text(
            "Each cell scores one department against one candidate KPI. Left, structural: the share of the "
            "KPI's factors the department owns (a KPI is the product of the factors of seed funnel_factors "
            "up to its stage: leads × IS coverage × appointment conversion × pipeline rate × win rate × "
            "deal size in the demo). Then, empirical: the share of the KPI's variance (log scale) "
            "over the trailing window that came from the department's own factors - 1.0 means it moved "
            "its KPI by itself, near 0 means it inherited the swings - in two views. The cohort view "
            "follows the leads created each month through the stages (true rates); the period view "
            "counts each stage in the month it happened, so a swing upstream lands months later on a "
            "downstream department's own factor, and lags and luck are credited to it as control. "
            "±: jackknife standard error over the window's months; ? : the window cannot tell the share "
            "from 0 or from 1. The hover splits a share into what counting noise alone gives at this "
            "volume (chance) and the rest. Values below 0 or above 1 happen when a factor moved against "
            "the KPI. ★ marks the KPI the department actually holds.",
            "各セルは、ある部門をある候補KPIで評価した値です。左（構造的）：KPIを構成するファクター"
            "（シードfunnel_factorsのファクターのうちそのステージまでの積。デモではリード数×IS対応率×商談獲得率×"
            "案件化率×受注率×平均受注単価）のうち部門が持つ割合。"
            "右（実証的）：直近ウィンドウにおけるKPIの変動（対数分散）のうち、部門自身のファクターに由来する割合。"
            "1.0は自部門で動かせたこと、0に近いほど他部門の振れを継承していることを示します。"
            "コホートビューは各月に作成されたリードを後続ステージまで追跡した値（真の率）、期間ビューは各ステージを"
            "発生月で数えた値で、上流の振れが数か月遅れて下流部門のファクターに現れるため、ラグや偶然が"
            "下流部門のコントロールとして計上されます。±はジャックナイフ標準誤差、?は0または1と区別できない"
            "ことを示します。ホバーでは比率を偶然（件数のばらつきだけで生じる分）と系統的な部分に分けて表示します。"
            "ファクターがKPIと逆に動くと0未満や1超になります。★は部門が実際に保持しているKPIです。",
        ),
        sources=["fct_kpi_controllability"],
    )


def _matrix_cells(
    cell: dict[tuple[str, str], dict], departments: list[str], stages: list[str], column: str
) -> tuple[list[list], list[list[str]], list[list[str]]]:
    """Values, cell texts and hover texts of one heatmap: a row per department, a column per stage."""
    z, text, hover = [], [], []
    for department in departments:
        z_row, text_row, hover_row = [], [], []
        for stage in stages:
            row = cell.get((department, stage))
            value = row[column] if row else None
            z_row.append(value)
            star = " ★" if row and row["is_assigned_kpi"] else ""
            text_row.append(f"{fmt_share(value)}{_uncertainty(row, column)}{star}")
            hover_row.append("" if row is None else _cell_hover(row))
        z.append(z_row)
        text.append(text_row)
        hover.append(hover_row)
    return z, text, hover


def _uncertainty(row: dict | None, column: str) -> str:
    """' ±SE' under an empirical share, '?' when the window cannot tell it from 0 or from 1."""
    if row is None or column != "controllable_share" or not row["controllable_share_standard_error"]:
        return ""  # no share, or one fixed by construction (leads' owner 1, a department owning none 0)
    unsure = row["is_share_indistinguishable_from_zero"] or row["is_share_indistinguishable_from_one"]
    return f"<br>±{row['controllable_share_standard_error']:.2f}{' ?' if unsure else ''}"


def _cell_hover(row: dict) -> str:
    chance = row["controllable_chance_share"]
    return (
        f"owned factors {row['owned_factors_count']}/{row['kpi_factors_count']}, "
        f"inheritance depth {row['inheritance_depth']}<br>"
        f"of the share: chance {fmt_share(chance)}, "
        f"systematic {fmt_share(row['controllable_systematic_share'])}"
        f"<br>periods used {row['periods_used_count']}, excluded {row['periods_excluded_count']}"
    )


def _add_matrix(
    figure: go.Figure,
    x_labels: list[str],
    y_labels: list[str],
    z: list[list],
    text: list[list[str]],
    hover: list[list[str]],
    col: int,
) -> None:
    figure.add_trace(
        go.Heatmap(
            z=z,
            x=x_labels,
            y=y_labels,
            text=text,
            customdata=hover,
            texttemplate="%{text}",
            textfont={"size": 14},
            coloraxis="coloraxis",
            xgap=3,
            ygap=3,
            hovertemplate="%{y} · %{x}: %{z:.2f}<br>%{customdata}<extra></extra>",
        ),
        row=1,
        col=col,
    )


def factor_decomposition_panel(ctx: Context) -> Panel:
    labels = ctx.labels
    # the latest window of each view: the cohort view's ends earlier, at the last mature cohort
    rows = ctx.warehouse.rows(
        """
        select shares.*
        from {fct_kpi_controllability_factors} as shares
        where shares.variance_share is not null and shares.window_end_period_start_date = (
            select max(latest.window_end_period_start_date) from {fct_kpi_controllability_factors} as latest
            where latest.conversion_view = shares.conversion_view and latest.variance_share is not null
        )
        order by shares.factor_order
        """
    )
    panel = _factor_decomposition_panel_header()
    views = [(view, title) for view, title in VIEWS if any(r["conversion_view"] == view for r in rows)]
    if not views:
        panel.notice = Text(
            "No window has enough usable periods for a decomposition yet.",
            "分解に必要な期間数を満たすウィンドウがまだありません。",
        )
        return panel
    figure = go.Figure()
    buttons = []
    for view, view_title in views:
        view_rows = [r for r in rows if r["conversion_view"] == view]
        first = len(figure.data)
        _add_factor_bars(figure, labels, view_rows, visible=view == views[0][0])
        title = (
            labels.text(("Variance shares, ", "分散シェア（"))
            + labels.text(view_title)
            + labels.text((", window ending ", "、ウィンドウ終了 "))
            + ctx.period(view_rows[0]["window_end_period_start_date"])
            + ("" if labels.lang == "en" else "）")
        )
        buttons.append((labels.text(view_title), range(first, len(figure.data)), title))
    figure.add_hline(y=1.0, line={"color": "#263238", "dash": "dash", "width": 1})
    figure.add_hline(y=0.0, line={"color": "#263238", "width": 1})
    base_layout(
        figure,
        height=520,
        barmode="relative",
        title={"text": buttons[0][2], "x": 0, "font": {"size": 14}},
        margin={"l": 70, "r": 30, "t": 150, "b": 60},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "xanchor": "left", "x": 0},
        updatemenus=[_view_menu(buttons, len(figure.data))],
    )
    figure.update_yaxes(
        tickformat=".0%", title_text=labels.text(("share of Var(log KPI)", "Var(log KPI)に占める割合"))
    )
    panel.figure = figure
    return panel


def _add_factor_bars(figure: go.Figure, labels, rows: list[dict], visible: bool) -> None:
    """One view's stacked bars: each factor's systematic part, then one hatched segment for chance."""
    stages = [s for s in CHAIN_KPI_ORDER if any(r["kpi_stage"] == s for r in rows)]
    factors = sorted({(r["factor_order"], r["factor"], r["owner_department"]) for r in rows})
    for _order, factor, owner in factors:
        by_stage = {r["kpi_stage"]: r for r in rows if r["factor"] == factor}
        x = [labels.stage(stage, "<br>") for stage in stages if stage in by_stage]
        y = [_systematic(by_stage[stage]) for stage in stages if stage in by_stage]
        figure.add_trace(
            go.Bar(
                x=x,
                y=y,
                visible=visible,
                name=f"{labels.factor(factor)} · {labels.department_short(owner)}",
                marker={"color": FACTOR_COLORS.get(factor, DEPARTMENT_COLORS.get(owner, NEUTRAL))},
                text=[fmt_pct(value) for value in y],
                textposition="inside",
                insidetextanchor="middle",
                textfont={"color": "white", "size": 11},
                hovertemplate="%{x}: %{y:.1%}<extra>" + labels.factor(factor) + "</extra>",
            )
        )
    chance = [sum(r["chance_share"] or 0 for r in rows if r["kpi_stage"] == stage) for stage in stages]
    figure.add_trace(
        go.Bar(
            x=[labels.stage(stage, "<br>") for stage in stages],
            y=chance,
            visible=visible,
            name=labels.text(("Chance (counting noise at this volume)", "偶然（この件数での件数ばらつき）")),
            marker={"color": NEUTRAL, "pattern": {"shape": "/"}},
            text=[fmt_pct(value) for value in chance],
            textposition="inside",
            insidetextanchor="middle",
            textfont={"size": 11},
            hovertemplate="%{x}: %{y:.1%}<extra>chance</extra>",
        )
    )


def _view_menu(buttons: list[tuple[str, range, str]], trace_count: int) -> dict:
    """Buttons that show one conversion view's traces and title at a time."""
    return {
        "type": "buttons",
        "direction": "right",
        "buttons": [
            {
                "label": label,
                "method": "update",
                "args": [{"visible": [i in traces for i in range(trace_count)]}, {"title.text": title}],
            }
            for label, traces, title in buttons
        ],
        "x": 0.0,
        "xanchor": "left",
        "y": 1.0,
        "yanchor": "bottom",
        "pad": {"b": 100},
        "showactive": True,
        "bgcolor": "white",
    }


def _systematic(row: dict) -> float:
    """The part of a factor's share beyond chance (all of it where chance is unknown: no amount)."""
    return row["variance_share"] - (row["chance_share"] or 0)


def _factor_decomposition_panel_header() -> Panel:
    return Panel(
        key="factors",
        title=Text("What drives each KPI's variance", "各KPIの変動要因（ファクター分解）"),
        caption=Text(
            "One bar per KPI, in the view the buttons pick (cohort: true rates of the same leads; period: "
            "flows, whose shares also carry the lags between stages): its variance over the trailing "
            "window (log scale) split into the "
            "factors it is made of, Cov(log factor, log KPI) ÷ Var(log KPI), each factor's segment its "
            "systematic part, and one hatched segment for chance: the variance counting noise alone gives "
            "at this volume (1/N per count; for a won amount 1/N over the effective number of deals, as a "
            "few large deals swing it more than many small ones). The segments of a "
            "bar add up to exactly 100%; a segment below zero is a factor that moved against the KPI, and "
            "a chance segment above 100% means the window's swings are no larger than luck. Colours "
            "follow the department owning the factor (blue Marketing, orange Inside Sales, greens Field "
            "Sales): a KPI whose bar is mostly another department's colour is inherited, not controlled.",
            "KPIごとに1本の棒：直近ウィンドウにおけるKPIの対数分散を構成ファクターに分解したもの"
            "（Cov(log ファクター, log KPI) ÷ Var(log KPI)、ボタンでコホートビュー／期間ビューを切替）。"
            "各ファクターは系統的な部分、"
            "斜線の区分は偶然（この件数で件数のばらつきだけが生む分散。受注金額は実効案件数で計算）です。"
            "各棒の合計はちょうど100%で、0未満の部分は"
            "KPIと逆方向に動いたファクターです。色はファクターを持つ部門（青＝マーケティング、"
            "橙＝インサイドセールス、緑系＝フィールドセールス）。他部門の色が大半を占めるKPIは、"
            "自部門でコントロールできず継承している変動です。",
        ),
        sources=["fct_kpi_controllability_factors"],
    )


def gap_attribution_panel(ctx: Context) -> Panel:
    labels = ctx.labels
    rows = ctx.warehouse.rows(
        """
        select *
        from {fct_kpi_gap_attribution}
        -- the period view: the month's counts against the month's targets
        where conversion_view = 'period' and period_start_date = (
            select max(period_start_date) from {fct_kpi_gap_attribution}
            where conversion_view = 'period' and is_complete_period
        )
        order by department, factor_order
        """
    )
    panel = _gap_attribution_panel_header()
    if not rows:
        panel.notice = Text("No complete period with a KPI plan yet.", "計画のある確定期間がまだありません。")
        return panel
    period = rows[0]["period_start_date"]
    by_department: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        by_department[row["department"]].append(row)
    departments = sorted(by_department, key=ctx.department_sort_key)
    computable = [d for d in departments if all(r["is_computable"] for r in by_department[d])]
    skipped = [d for d in departments if d not in computable]
    panel.notes.extend(_not_computable_notes(ctx, skipped, period))
    if not computable:
        panel.notice = Text(
            f"No department's gap is computable for {ctx.period(period)}.",
            f"{ctx.period(period)} に計算可能なギャップがありません。",
        )
        return panel
    panel.figure = _gap_figure(labels, computable, by_department)
    panel.notes.insert(
        0,
        Text(
            f"Period: {ctx.period(period)} (latest complete period).",
            f"対象期間：{ctx.period(period)}（直近の確定期間）。",
        ),
    )
    return panel


def _gap_attribution_panel_header() -> Panel:
    return Panel(
        key="gap",
        title=Text(
            "Who moved the miss: gap attribution", "未達・超過の要因分解（ギャップ・アトリビューション）"
        ),
        caption=Text(
            "For the latest complete period, each department's KPI: start at the plan (its target, or a "
            "baseline where it has none), add each factor's part of the gap, end at the actual. A factor's "
            "part is its log-ratio actual ÷ plan, expressed in the KPI's unit so the parts add up to "
            "actual − plan. Green pushed the KPI up, red pulled it down. ★ marks the department's own "
            "factors; the others are inherited from upstream teams.",
            "直近の確定期間について、部門ごとのKPI：計画（目標、なければ過去実績からのベースライン）から始め、"
            "各ファクターのギャップへの寄与を加えて実績に至ります。寄与は実績÷計画の対数比を"
            "KPIの単位に換算したもので、合計が実績−計画に一致します。緑はKPIを押し上げ、赤は押し下げた"
            "ファクター。★は部門自身のファクター、それ以外は上流部門から継承したものです。",
        ),
        sources=["fct_kpi_gap_attribution"],
    )


def _not_computable_notes(ctx: Context, departments: list[str], period: dt.date) -> list[Text]:
    """One note per department whose gap cannot be computed for `period`."""
    labels = ctx.labels
    notes: list[Text] = []
    for department in departments:
        # Markup, so that bilingual() does not escape the escaped label a second time.
        notes.append(
            Text(
                Markup(
                    f"{escape(department)}: not computable in {escape(ctx.period(period))} "
                    "(a zero count or a missing plan)."
                ),
                Markup(
                    f"{labels.department_short(department)}：{escape(ctx.period(period))} は計算不能"
                    "（件数ゼロまたは計画なし）。"
                ),
            )
        )
    return notes


def _gap_figure(labels, departments: list[str], by_department: dict[str, list[dict]]) -> go.Figure:
    """One waterfall per department, from its plan through its factors' parts to its actual."""
    grid = _waterfall_grid(departments, by_department)
    specs = [[{"colspan": 2}, None] if len(row) == 1 else [{}, {}] for row in grid]
    titles = [
        f"{labels.department_short(d)}: {labels.stage(by_department[d][0]['kpi_stage'])}"
        for row in grid
        for d in row
    ]
    figure = make_subplots(
        rows=len(grid),
        cols=2,
        specs=specs,
        horizontal_spacing=0.08,
        vertical_spacing=0.22 / len(grid),
        subplot_titles=titles,
    )
    for row_index, row in enumerate(grid, start=1):
        for col, department in enumerate(row, start=1):
            _add_waterfall(figure, labels, by_department[department], row_index, col)
    figure.update_xaxes(tickangle=0, tickfont={"size": 10.5})
    base_layout(figure, height=390 * len(grid), margin={"l": 60, "r": 20, "t": 50, "b": 80})
    return figure


def _waterfall_grid(departments: list[str], by_department: dict[str, list[dict]]) -> list[list[str]]:
    """Short chains two to a row; a chain of four or more factors gets a row of its own."""
    grid: list[list[str]] = []
    pending: list[str] = []
    for department in departments:
        if len(by_department[department]) >= 4:
            grid.append([department])
        else:
            pending.append(department)
            if len(pending) == 2:
                grid.append(pending)
                pending = []
    if pending:
        grid.append(pending)
    # Pairs first, then the wide rows, so the page reads upstream to downstream.
    return sorted(grid, key=len, reverse=True)


def _wrap(text: str, width: int = 14) -> Markup:
    return wrap(text, width=width)


def _add_waterfall(figure: go.Figure, labels, parts: list[dict], row: int, col: int) -> None:
    first = parts[0]
    stage = first["kpi_stage"]
    x = [labels.text(("Plan", "計画"))]
    y = [first["kpi_plan"]]
    text = [fmt_value(first["kpi_plan"], stage)]
    for part in parts:
        own = " ★" if part["is_owned_by_department"] else ""
        x.append(
            f"{_wrap(labels.factor_short(part['factor']))}{own}"
            f"<br><i>{labels.department_short(part['owner_department'])}</i>"
        )
        y.append(part["gap_part_in_kpi_units"])
        sign = "+" if part["gap_part_in_kpi_units"] >= 0 else "−"
        text.append(f"{sign}{fmt_value(abs(part['gap_part_in_kpi_units']), stage)}")
    x.append(labels.text(("Actual", "実績")))
    y.append(first["kpi_actual"])
    text.append(fmt_value(first["kpi_actual"], stage))
    figure.add_trace(
        go.Waterfall(
            x=x,
            y=y,
            measure=["absolute"] + ["relative"] * len(parts) + ["total"],
            text=text,
            textposition="outside",
            cliponaxis=False,
            increasing={"marker": {"color": GOOD}},
            decreasing={"marker": {"color": BAD}},
            totals={"marker": {"color": TOTAL}},
            connector={"line": {"color": "#b0bec5", "width": 1}},
            showlegend=False,
            hovertemplate="%{x}: %{text}<extra></extra>",
        ),
        row=row,
        col=col,
    )
    levels = [first["kpi_plan"], first["kpi_actual"]]
    running = first["kpi_plan"]
    for part in parts:
        running += part["gap_part_in_kpi_units"]
        levels.append(running)
    span = max(max(levels) - min(levels), 0.05 * max(abs(v) for v in levels) or 1.0)
    figure.update_yaxes(
        range=[max(0.0, min(levels) - 0.3 * span), max(levels) + 0.18 * span],
        tickformat="~s" if stage == "won_amount" else ",d",
        row=row,
        col=col,
    )


def volatility_panel(ctx: Context) -> Panel:
    labels = ctx.labels
    rates = ctx.warehouse.rows(
        "select * from {fct_conversion_volatility} where conversion_view = 'period'"
        " order by rate_name, period_start_date"
    )
    readiness = ctx.warehouse.rows(
        "select * from {fct_kpi_readiness} where conversion_view = 'period'"
        " order by department, period_start_date"
    )
    panel = _volatility_panel_header()
    if not rates:
        panel.notice = Text("No complete period yet.", "確定した期間がまだありません。")
        return panel
    threshold = next(
        (r["stability_cv_threshold"] for r in rates if r["stability_cv_threshold"] is not None), None
    )
    departments = sorted({r["department"] for r in readiness}, key=ctx.department_sort_key)
    has_readiness = bool(readiness)
    figure = make_subplots(
        rows=2 if has_readiness else 1,
        cols=1,
        shared_xaxes=True,
        row_heights=[0.68, 0.32] if has_readiness else [1.0],
        vertical_spacing=0.1,
        subplot_titles=[
            labels.text(("Coefficient of variation of each rate", "各転換率の変動係数 (CV)")),
            *(
                [labels.text(("KPI readiness timeline", "KPI準備状況のタイムライン"))]
                if has_readiness
                else []
            ),
        ],
    )
    _add_rate_volatility(figure, labels, rates, threshold)
    if has_readiness:
        _readiness_rows(figure, ctx, readiness, departments)
    base_layout(
        figure,
        height=640 if has_readiness else 440,
        barmode="overlay",
        margin={"l": 130, "r": 30, "t": 110, "b": 40},
    )
    # The readiness blocks are bars whose length is a duration: without an explicit date type the
    # shared axis would be typed from those numbers.
    figure.update_xaxes(type="date")
    figure.update_xaxes(dtick="M1", tickformat="%Y-%m", tickangle=-45, row=2 if has_readiness else 1, col=1)
    panel.figure = figure
    return panel


def _volatility_panel_header() -> Panel:
    return Panel(
        key="volatility",
        title=Text(
            "Conversion-rate volatility and KPI readiness",
            "転換率のボラティリティとKPI移行の準備状況",
        ),
        caption=Text(
            "Top: the coefficient of variation (rolling standard deviation ÷ rolling mean over the trailing "
            "window) of every stage rate; below the dashed threshold a rate counts as stable enough to plan "
            "on. Bottom: for each tracked department, one block per period with the KPI it held - red when "
            "the rate into that KPI was not stable (an unreasonable KPI, 無理なKPI設定), green when it was "
            "ready to take on the next stage (the next rate stable and its target met often enough). "
            "Vertical lines mark when the KPI assignment changed.",
            "上：各ステージ転換率の変動係数（直近ウィンドウの移動標準偏差÷移動平均）。破線のしきい値以下なら"
            "計画に使える程度に安定しています。下：追跡対象の部門について、期間ごとに保持していたKPIを表示。"
            "赤はそのKPIへの転換率が不安定だった期間（無理なKPI設定）、緑は次のステージへ移る準備ができて"
            "いた期間（次の転換率が安定し、目標を十分な回数達成）。縦線はKPI割り当ての変更時点です。",
        ),
        sources=["fct_conversion_volatility", "fct_kpi_readiness"],
    )


def _add_rate_volatility(figure: go.Figure, labels, rates: list[dict], threshold: float | None) -> None:
    """Top: the coefficient of variation of every rate, against the stability threshold."""
    # the known rates in chain order, then any other factor a configured chain adds
    names = {r["rate_name"] for r in rates}
    ordered = [r for r in RATE_ORDER if r in names] + sorted(names - set(RATE_ORDER))
    for rate in ordered:
        series = [r for r in rates if r["rate_name"] == rate]
        owner = series[0]["owner_department"]
        figure.add_trace(
            go.Scatter(
                x=[r["period_start_date"] for r in series],
                y=[r["coefficient_of_variation"] for r in series],
                mode="lines+markers",
                name=f"{labels.factor(rate)} · {labels.department_short(owner)}",
                line={
                    "color": FACTOR_COLORS.get(rate, DEPARTMENT_COLORS.get(owner, NEUTRAL)),
                    "width": 2,
                    "dash": RATE_DASH.get(rate, "solid"),
                },
                marker={
                    "size": 6,
                    "symbol": [
                        "circle" if r["is_stable"] else ("x" if r["is_stable"] is False else "circle-open")
                        for r in series
                    ],
                },
                customdata=[
                    [
                        "stable"
                        if r["is_stable"]
                        else ("not stable" if r["is_stable"] is False else "not judgeable"),
                        r["rate_value"],
                    ]
                    for r in series
                ],
                hovertemplate=(
                    "%{x|%Y-%m}: CV %{y:.3f} (%{customdata[0]})<br>rate %{customdata[1]:,.3f}"
                    "<extra>" + labels.factor(rate) + "</extra>"
                ),
            ),
            row=1,
            col=1,
        )
    if threshold is not None:
        figure.add_hline(
            y=threshold,
            line={"color": BAD, "dash": "dash", "width": 2},
            annotation_text=labels.text(("stability threshold", "安定性しきい値")) + f" CV = {threshold:g}",
            annotation_position="top left",
            annotation_font={"color": BAD},
            row=1,
            col=1,
        )
    figure.update_yaxes(title_text="CV", rangemode="tozero", row=1, col=1)


def _state(row: dict) -> str:
    if row["is_beyond_readiness"]:
        return "beyond"
    if row["is_ready_for_next_stage"]:
        return "ready"
    if row["kpi_stage"] == "lead":
        return "lead"
    return "stable"


def _next_period(start: dt.date, grain: str) -> dt.date:
    if grain == "week":
        return start + dt.timedelta(days=7)
    months = 3 if grain == "quarter" else 1
    month = start.month - 1 + months
    return dt.date(start.year + month // 12, month % 12 + 1, 1)


def _readiness_rows(figure: go.Figure, ctx: Context, readiness: list[dict], departments: list[str]) -> None:
    labels = ctx.labels
    y_names = {d: labels.department(d, "<br>") for d in departments}
    for state, names, color in READINESS_STATES:
        chosen = [r for r in readiness if _state(r) == state]
        if not chosen:
            continue
        starts = [r["period_start_date"] for r in chosen]
        widths = [(_next_period(s, ctx.grain) - s).total_seconds() * 1000 * 0.96 for s in starts]
        figure.add_trace(
            go.Bar(
                y=[y_names[r["department"]] for r in chosen],
                base=[s.isoformat() for s in starts],
                x=widths,
                orientation="h",
                name=labels.pair(names),
                marker={"color": color, "line": {"width": 0}},
                text=[labels.stage_short(r["kpi_stage"]) for r in chosen],
                textposition="inside",
                insidetextanchor="middle",
                textfont={"size": 9},
                customdata=[
                    [
                        labels.stage(r["kpi_stage"]),
                        fmt_share(r["held_rate_cv"]),
                        labels.stage(r["next_kpi_stage"]) if r["next_kpi_stage"] else "–",
                        fmt_share(r["next_rate_cv"]),
                        r["target_hits_count"],
                        r["record_periods_count"],
                        r["period_start_date"].isoformat(),
                    ]
                    for r in chosen
                ],
                hovertemplate=(
                    "%{customdata[6]}: holds %{customdata[0]} (entry-rate CV %{customdata[1]})"
                    "<br>next %{customdata[2]} (CV %{customdata[3]}), target met %{customdata[4]} of "
                    "%{customdata[5]}<extra>%{fullData.name}</extra>"
                ),
            ),
            row=2,
            col=1,
        )
    for department in departments:
        history = [r for r in readiness if r["department"] == department]
        for previous, current in itertools.pairwise(history):
            if current["kpi_stage"] != previous["kpi_stage"]:
                figure.add_vline(
                    x=current["period_start_date"].isoformat(),
                    line={"color": "#455a64", "dash": "dot", "width": 1},
                )
                figure.add_annotation(
                    x=current["period_start_date"].isoformat(),
                    y=1.0,
                    yref="y domain",
                    xref="x",
                    text=(
                        f"{labels.department_short(department)} → {labels.stage_short(current['kpi_stage'])}"
                    ),
                    showarrow=False,
                    xanchor="left",
                    yanchor="top",
                    font={"size": 11, "color": "#455a64"},
                    bgcolor="rgba(255,255,255,0.8)",
                )
    figure.update_yaxes(showgrid=False, row=2, col=1)

"""Funnel panels: the two conversion views, department KPIs, the reverse funnel plan."""

# Bilingual UI text: full-width Japanese punctuation and typographic signs (–, ×, ÷) are intended.
# ruff: noqa: RUF001, RUF003

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from .context import KPI_ORDER, STAGE_ORDER, Context
from .markup import escape
from .style import (
    BAD,
    GOOD,
    STAGE_COLORS,
    Panel,
    Text,
    base_layout,
    fmt_count,
    fmt_pct,
    fmt_share,
    fmt_value,
)

STAGE_COUNT_COLUMNS = {
    "lead": "leads_count",
    "handled": "handled_count",
    "appointment": "appointments_count",
    "pipeline": "pipeline_count",
    "won": "won_count",
}
FACTOR_COLUMNS = (
    ("appointment", "appointment_factor", "f₁"),
    ("pipeline", "pipeline_factor", "f₂"),
    ("won", "won_factor", "f₃"),
)
COHORT_STAGES = ("appointment", "pipeline", "won")


def summary_html(ctx: Context) -> str:
    """Headline tiles: the latest complete period's stage counts against the period before."""
    rows = ctx.warehouse.rows(
        """
        select * from {fct_funnel_periods}
        where breakdown_dimension = 'total' and is_complete_period
        order by period_start_date desc
        limit 2
        """
    )
    if not rows:
        return ""
    latest, previous = rows[0], (rows[1] if len(rows) > 1 else None)
    tiles = []
    for stage in (*STAGE_ORDER, "won_amount"):
        column = "won_amount" if stage == "won_amount" else STAGE_COUNT_COLUMNS[stage]
        value = latest[column]
        change = ""
        if previous and previous[column]:
            delta = value / previous[column] - 1
            css = "up" if delta >= 0 else "down"
            change = f'<span class="delta {css}">{"▲" if delta >= 0 else "▼"} {abs(delta) * 100:.0f}%</span>'
        tiles.append(
            '<div class="tile">'
            f'<div class="tile-label">{escape(ctx.labels.stage(stage))}</div>'
            f'<div class="tile-value">{escape(fmt_value(value, stage))}</div>'
            f"{change}</div>"
        )
    period = escape(ctx.period(latest["period_start_date"]))
    return (
        '<section class="summary">'
        f'<div class="summary-title"><span lang="en">Latest complete period {period}, period view '
        f'(change against the period before)</span><span lang="ja">直近の確定期間 {period}・期間ビュー'
        "（前期間比）</span></div>"
        f'<div class="tiles">{"".join(tiles)}</div></section>'
    )


def funnel_panel(ctx: Context) -> Panel:
    labels = ctx.labels
    periods = ctx.warehouse.rows(
        "select * from {fct_funnel_periods} where breakdown_dimension = 'total' order by period_start_date"
    )
    complete = [row for row in periods if row["is_complete_period"]]
    cohorts = ctx.warehouse.rows(
        "select * from {fct_funnel_cohorts} where breakdown_dimension = 'total' order by cohort_start_date"
    )
    panel = _funnel_panel_header()
    if not complete:
        panel.notice = Text("No complete period yet.", "確定した期間がまだありません。")
        return panel
    window_days = cohorts[0]["conversion_window_days"] if cohorts else None
    latest = complete[-1]
    figure = make_subplots(
        rows=1,
        cols=3,
        column_widths=[0.28, 0.36, 0.36],
        horizontal_spacing=0.08,
        subplot_titles=[
            labels.text(("Stage counts, ", "ステージ件数 ")) + ctx.period(latest["period_start_date"]),
            labels.text(("Period factors: flow ratios, not rates", "期間ファクター：フロー比（率ではない）")),
            labels.text(
                (
                    f"Cohort conversion within {window_days} days",
                    f"コホート転換率（{window_days}日以内）",
                )
            ),
        ],
    )
    _add_stage_counts(figure, labels, latest)
    _add_period_factors(figure, labels, complete)
    _add_cohort_conversion(figure, labels, cohorts)
    # flows of one period, from different leads: a ratio that can exceed 1, never a percentage
    figure.update_yaxes(tickformat=".2f", rangemode="tozero", row=1, col=2)
    figure.update_yaxes(tickformat=".0%", rangemode="tozero", row=1, col=3)
    figure.update_xaxes(visible=False, row=1, col=1)
    base_layout(figure, height=470, margin={"l": 120, "r": 20, "t": 90, "b": 40})
    panel.figure = figure
    return panel


def _funnel_panel_header() -> Panel:
    return Panel(
        key="funnel",
        title=Text(
            "Funnel: period view and cohort view",
            "ファネル：期間ビューとコホートビュー",
        ),
        caption=Text(
            "Left: how many persons reached each stage in the latest complete period. Middle: the period "
            "factors - each stage divided by the stage before it, counted in the period it was reached "
            "(f₁ = appointments ÷ leads, f₂ = pipeline ÷ appointments, f₃ = won ÷ pipeline; their product "
            "with the leads is the stage count). The stages of one period come from different leads, so "
            "a factor is a ratio of flows, not a conversion rate: it can exceed 1. Right: the cohort "
            "view - of the leads created in a period, "
            "the share that reached each stage within the conversion window. Dashed, hollow points are "
            "cohorts that have not had the whole window yet: they will still rise.",
            "左：直近の確定期間に各ステージへ到達した人数。中央：期間ファクター（各ステージ÷直前ステージ、"
            "到達した期間で計上。f₁＝商談アポイント÷リード、f₂＝案件化÷商談アポイント、f₃＝成約÷案件化。"
            "リード数との積がステージ件数）。同じ期間の各ステージは異なるリードから来るため、ファクターは"
            "転換率ではなくフローの比で、1を超えることもあります。右：コホートビュー（その期間に作成されたリードのうち、"
            "コンバージョン期間内に各ステージへ到達した割合）。破線・白抜きの点は期間がまだ経過していない"
            "未成熟コホートで、今後まだ上がります。",
        ),
        sources=["fct_funnel_periods", "fct_funnel_cohorts"],
    )


def _add_stage_counts(figure: go.Figure, labels, latest: dict) -> None:
    """Left: the funnel of the latest complete period, each stage with its factor."""
    stage_text = []
    for stage in STAGE_ORDER:
        value = latest[STAGE_COUNT_COLUMNS[stage]]
        ratio = {
            "handled": ("handled_rate", "of leads", "リード比"),
            "appointment": ("appointment_factor", "f₁", "f₁"),
            "pipeline": ("pipeline_factor", "f₂", "f₂"),
            "won": ("won_factor", "f₃", "f₃"),
        }.get(stage)
        suffix = f" · {labels.text(ratio[1:])} {fmt_share(latest[ratio[0]])}" if ratio else ""
        stage_text.append(f"{fmt_count(value)}{suffix}")
    figure.add_trace(
        go.Funnel(
            y=[labels.stage(stage, "<br>") for stage in STAGE_ORDER],
            x=[latest[STAGE_COUNT_COLUMNS[stage]] for stage in STAGE_ORDER],
            text=stage_text,
            textinfo="text",
            textposition="auto",
            marker={"color": [STAGE_COLORS[stage] for stage in STAGE_ORDER]},
            connector={"line": {"color": "#cfd8dc"}},
            showlegend=False,
            hovertemplate="%{y}: %{x:,}<extra></extra>",
        ),
        row=1,
        col=1,
    )


def _add_period_factors(figure: go.Figure, labels, complete: list[dict]) -> None:
    """Middle: the period factors of every complete period."""
    x_periods = [row["period_start_date"] for row in complete]
    for stage, column, symbol in FACTOR_COLUMNS:
        figure.add_trace(
            go.Scatter(
                x=x_periods,
                y=[row[column] for row in complete],
                mode="lines+markers",
                name=f"{labels.stage(stage)}",
                legendgroup=stage,
                line={"color": STAGE_COLORS[stage], "width": 2},
                marker={"size": 5},
                hovertemplate=f"{symbol} %{{x|%Y-%m}}: %{{y:.2f}}<extra>{labels.stage(stage)}</extra>",
            ),
            row=1,
            col=2,
        )


def _add_cohort_conversion(figure: go.Figure, labels, cohorts: list[dict]) -> None:
    """Right: cohort conversion within the window; cohorts not yet mature are dashed."""
    for stage in COHORT_STAGES:
        column = f"cohort_{stage}_within_window_rate"
        mature = [row for row in cohorts if row["is_mature"]]
        young = [row for row in cohorts if not row["is_mature"]]
        if mature and young:
            young = [mature[-1], *young]  # join the dashed part to the solid line
        for part, dashed in ((mature, False), (young, True)):
            if not part:
                continue
            figure.add_trace(
                go.Scatter(
                    x=[row["cohort_start_date"] for row in part],
                    y=[row[column] for row in part],
                    customdata=[[row["cohort_maturity_rate"], row["leads_count"]] for row in part],
                    mode="lines+markers",
                    name=labels.stage(stage),
                    legendgroup=stage,
                    showlegend=False,
                    line={"color": STAGE_COLORS[stage], "width": 2, "dash": "dot" if dashed else "solid"},
                    marker={"size": 6, "symbol": "circle-open" if dashed else "circle"},
                    hovertemplate=(
                        "%{x|%Y-%m}: %{y:.1%} of %{customdata[1]:,} leads"
                        "<br>maturity %{customdata[0]:.0%}<extra>" + labels.stage(stage) + "</extra>"
                    ),
                ),
                row=1,
                col=3,
            )


def department_kpis_panel(ctx: Context) -> Panel:
    labels = ctx.labels
    rows = ctx.warehouse.rows("select * from {fct_department_kpis} order by department, month_start_date")
    panel = _department_kpis_panel_header()
    if not rows:
        panel.notice = Text("fct_department_kpis has no rows.", "fct_department_kpis に行がありません。")
        return panel
    by_department: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        by_department[row["department"]].append(row)
    departments = sorted(by_department, key=ctx.department_sort_key)
    figure = make_subplots(
        rows=len(departments),
        cols=1,
        shared_xaxes=True,
        vertical_spacing=0.09,
        subplot_titles=[labels.department(department) for department in departments],
    )
    legend_shown: set[str] = set()
    for index, department in enumerate(departments, start=1):
        department_rows = by_department[department]
        _add_kpi_bars(figure, labels, department_rows, index, legend_shown)
        _add_targets_and_projection(figure, labels, department_rows, index, legend_shown)
        amount = any(r["kpi_stage"] == "won_amount" for r in department_rows)
        figure.update_yaxes(
            tickformat="~s" if amount else ",d",
            title_text=labels.text(("amount", "金額")) if amount else labels.text(("count", "件数")),
            rangemode="tozero",
            row=index,
            col=1,
        )
    figure.update_xaxes(dtick="M1", tickformat="%Y-%m", tickangle=-45)
    base_layout(figure, height=250 * len(departments) + 130, barmode="overlay", bargap=0.25)
    panel.figure = figure
    panel.extra_html = _pacing_table(ctx, by_department, departments)
    return panel


def _department_kpis_panel_header() -> Panel:
    return Panel(
        key="kpis",
        title=Text("Department KPIs against targets", "部門KPIと目標（達成率・ペース）"),
        caption=Text(
            "One chart per department, one bar per month: the actual of the KPI the department held that "
            "month (the colour says which stage it was), the target as a black tick, attainment above the "
            "bar. Hatched bars are a shared KPI (two departments held the same stage). The faded last bar "
            "is the month still running, with a diamond at the month-end projection if the pace so far "
            "holds; the table below gives its pacing.",
            "部門ごとに1つのグラフ、月ごとに1本の棒：その月に部門が持っていたKPIの実績（色がステージ）、"
            "黒い横線が目標、棒の上が達成率。斜線の棒は共有KPI（2部門が同じステージを保持）。"
            "薄い最後の棒は進行中の月で、ひし形は現在のペースが続いた場合の月末見込み。下の表がペースです。",
        ),
        sources=["fct_department_kpis"],
    )


def _add_kpi_bars(
    figure: go.Figure, labels, department_rows: list[dict], index: int, legend_shown: set[str]
) -> None:
    """One bar per month of a department, coloured by the stage of the KPI it held."""
    for stage in [s for s in (*KPI_ORDER, "handled") if any(r["kpi_stage"] == s for r in department_rows)]:
        stage_rows = [r for r in department_rows if r["kpi_stage"] == stage]
        figure.add_trace(
            go.Bar(
                x=[r["month_start_date"] for r in stage_rows],
                y=[r["actual_value"] for r in stage_rows],
                name=labels.stage(stage),
                legendgroup=stage,
                showlegend=stage not in legend_shown,
                marker={
                    "color": STAGE_COLORS.get(stage, "#90a4ae"),
                    "opacity": [1.0 if r["is_complete_month"] else 0.45 for r in stage_rows],
                    "pattern": {
                        "shape": ["/" if r["is_shared_kpi"] else "" for r in stage_rows],
                        "fgcolor": "white",
                        "size": 6,
                    },
                },
                text=[fmt_pct(r["attainment_rate"]) for r in stage_rows],
                textposition="outside",
                textfont={"size": 9},
                cliponaxis=False,
                customdata=[
                    [
                        fmt_value(r["target_value"], stage),
                        fmt_pct(r["attainment_rate"]),
                        fmt_pct(r["pacing_rate"]),
                        "shared" if r["is_shared_kpi"] else "",
                    ]
                    for r in stage_rows
                ],
                hovertemplate=(
                    "%{x|%Y-%m}: %{y:,.0f} / target %{customdata[0]}"
                    "<br>attainment %{customdata[1]} · pacing %{customdata[2]} %{customdata[3]}"
                    f"<extra>{labels.stage(stage)}</extra>"
                ),
            ),
            row=index,
            col=1,
        )
        legend_shown.add(stage)


def _add_targets_and_projection(
    figure: go.Figure, labels, department_rows: list[dict], index: int, legend_shown: set[str]
) -> None:
    """The monthly targets as ticks, and the month-end projection of the running month."""
    targeted = [r for r in department_rows if r["target_value"] is not None]
    figure.add_trace(
        go.Scatter(
            x=[r["month_start_date"] for r in targeted],
            y=[r["target_value"] for r in targeted],
            mode="markers",
            name=labels.text(("Target", "目標")) + (" (目標)" if labels.lang == "en" else " (Target)"),
            legendgroup="target",
            showlegend=index == 1,
            marker={"symbol": "line-ew", "size": 22, "line": {"width": 3, "color": "#263238"}},
            hovertemplate="target %{y:,.0f}<extra></extra>",
        ),
        row=index,
        col=1,
    )
    running = [r for r in department_rows if not r["is_complete_month"]]
    if running:
        figure.add_trace(
            go.Scatter(
                x=[r["month_start_date"] for r in running],
                y=[r["projected_value"] for r in running],
                mode="markers",
                name=labels.text(("Month-end projection", "月末見込み")),
                legendgroup="projection",
                showlegend="projection" not in legend_shown,
                marker={"symbol": "diamond", "size": 10, "color": "#263238"},
                hovertemplate="projection %{y:,.0f}<extra></extra>",
            ),
            row=index,
            col=1,
        )
        legend_shown.add("projection")


def _pacing_table(ctx: Context, by_department: dict[str, list[dict]], departments: list[str]) -> str:
    labels = ctx.labels
    header = (
        "<tr>"
        '<th><span lang="en">Department</span><span lang="ja">部門</span></th>'
        '<th><span lang="en">KPI</span><span lang="ja">KPI</span></th>'
        '<th><span lang="en">Last complete month: actual / target</span>'
        '<span lang="ja">直近確定月：実績／目標</span></th>'
        '<th><span lang="en">Running month: actual / target to date</span>'
        '<span lang="ja">当月：実績／経過日数分の目標</span></th>'
        '<th><span lang="en">Pacing</span><span lang="ja">ペース</span></th>'
        '<th><span lang="en">Projection / month target</span><span lang="ja">月末見込み／月間目標</span></th>'
        "</tr>"
    )
    body = []
    for department in departments:
        department_rows = by_department[department]
        complete = [r for r in department_rows if r["is_complete_month"]]
        running = [r for r in department_rows if not r["is_complete_month"]]
        last = complete[-1] if complete else None
        now = running[-1] if running else None
        stage = (now or last)["kpi_stage"]
        cells = [escape(labels.department(department)), escape(labels.stage(stage))]
        if last:
            css = "good" if (last["attainment_rate"] or 0) >= 1 else "bad"
            cells.append(
                f"{fmt_value(last['actual_value'], last['kpi_stage'])} / "
                f"{fmt_value(last['target_value'], last['kpi_stage'])} "
                f'<span class="{css}">({fmt_pct(last["attainment_rate"])})</span>'
            )
        else:
            cells.append("–")
        if now:
            css = "good" if (now["pacing_rate"] or 0) >= 1 else "bad"
            cells += [
                f"{fmt_value(now['actual_value'], stage)} / {fmt_value(now['target_to_date_value'], stage)}"
                f" <small>({escape(now['elapsed_days'])}/{escape(now['days_in_month'])} d)</small>",
                f'<span class="{css}">{fmt_pct(now["pacing_rate"])}</span>',
                f"{fmt_value(now['projected_value'], stage)} / {fmt_value(now['target_value'], stage)}",
            ]
        else:
            cells += ["–", "–", "–"]
        body.append("<tr>" + "".join(f"<td>{cell}</td>" for cell in cells) + "</tr>")
    return f'<table class="data"><thead>{header}</thead><tbody>{"".join(body)}</tbody></table>'


def revenue_plan_panel(ctx: Context, trailing_periods: int = 12) -> Panel:
    labels = ctx.labels
    rows = ctx.warehouse.rows("select * from {fct_revenue_plan} order by period_start_date, stage_order")
    panel = _revenue_plan_panel_header()
    complete = [r for r in rows if r["is_complete_period"] and r["required_value"] is not None]
    if not complete:
        panel.notice = Text(
            "No complete period has a requirement yet (no revenue target or no trailing history).",
            "必要数のある確定期間がまだありません（売上目標または過去実績がない）。",
        )
        return panel
    latest_period = max(r["period_start_date"] for r in complete)
    latest = {r["plan_stage"]: r for r in complete if r["period_start_date"] == latest_period}
    running = {
        r["plan_stage"]: r for r in rows if not r["is_complete_period"] and r["required_value"] is not None
    }
    stages = [stage for stage in KPI_ORDER if stage in latest]
    figure = make_subplots(
        rows=1,
        cols=2,
        column_widths=[0.42, 0.58],
        horizontal_spacing=0.16,
        subplot_titles=[
            labels.text(("Actual ÷ required", "実績÷必要数")),
            labels.text(("Attainment over time", "達成率の推移")),
        ],
    )
    _add_latest_attainment(figure, ctx, stages, latest, latest_period, running)
    periods = sorted({r["period_start_date"] for r in complete})[-trailing_periods:]
    _add_attainment_history(figure, labels, stages, complete, periods)
    base_layout(figure, height=460, barmode="group", margin={"l": 130, "r": 20, "t": 110, "b": 40})
    panel.figure = figure
    return panel


def _revenue_plan_panel_header() -> Panel:
    return Panel(
        key="revenue-plan",
        title=Text("Reverse funnel from the revenue target (KGI)", "KGIからの逆算ファネル"),
        caption=Text(
            "The revenue target of each period is turned into the won deals, pipeline, appointments and "
            "leads it requires, dividing back up the funnel by the trailing deal size and rates. Left: "
            "actual ÷ required for the latest complete period, and the pace of the running period (its "
            "actual to date ÷ the requirement due by the as-of date). Right: the same attainment over the "
            "last periods. 100% = exactly what the KGI needs; the first stage below 100% is where the "
            "funnel falls short.",
            "各期間の売上目標（KGI）を、直近の平均受注単価と各転換率で遡って、必要な成約・案件化・"
            "商談アポイント・リード数に換算します。左：直近の確定期間の実績÷必要数と、進行中の期間の"
            "ペース（基準日までの実績÷その時点までの必要数）。右：同じ達成率の推移。100%＝KGIに必要な"
            "ちょうどの量。最初に100%を下回るステージがファネルの不足箇所です。",
        ),
        sources=["fct_revenue_plan"],
    )


def _add_latest_attainment(
    figure: go.Figure,
    ctx: Context,
    stages: list[str],
    latest: dict[str, dict],
    latest_period: dt.date,
    running: dict[str, dict],
) -> None:
    """Left: actual ÷ required of the latest complete period, and the pace of the running one."""
    labels = ctx.labels
    y_labels = [labels.stage(stage, "<br>") for stage in stages]
    figure.add_trace(
        go.Bar(
            y=y_labels,
            x=[latest[stage]["attainment_rate"] for stage in stages],
            orientation="h",
            name=labels.text(("Latest complete period ", "直近の確定期間 ")) + ctx.period(latest_period),
            marker={"color": [GOOD if (latest[s]["attainment_rate"] or 0) >= 1 else BAD for s in stages]},
            text=[
                f"{fmt_value(latest[s]['actual_value'], s)} / {fmt_value(latest[s]['required_value'], s)}"
                for s in stages
            ],
            textposition="auto",
            hovertemplate="%{y}: %{x:.0%}<extra></extra>",
        ),
        row=1,
        col=1,
    )
    if running and ctx.current_period is not None:
        running_stages = [s for s in stages if s in running]
        figure.add_trace(
            go.Bar(
                y=[labels.stage(s, "<br>") for s in running_stages],
                x=[running[s]["pace_rate"] for s in running_stages],
                orientation="h",
                name=labels.text(("Pace of running period ", "進行中の期間のペース "))
                + ctx.period(ctx.current_period),
                marker={"color": "#b0bec5"},
                text=[
                    f"{fmt_value(running[s]['actual_value'], s)} / "
                    f"{fmt_value(running[s]['required_to_date_value'], s)}"
                    for s in running_stages
                ],
                textposition="outside",
                cliponaxis=False,
                hovertemplate="%{y}: %{x:.0%}<extra></extra>",
            ),
            row=1,
            col=1,
        )
    figure.add_vline(x=1.0, line={"color": "#263238", "dash": "dash", "width": 1}, row=1, col=1)
    figure.update_yaxes(autorange="reversed", row=1, col=1)
    figure.update_xaxes(tickformat=".0%", rangemode="tozero", row=1, col=1)


def _add_attainment_history(
    figure: go.Figure, labels, stages: list[str], complete: list[dict], periods: list[dt.date]
) -> None:
    """Right: the attainment of each stage over the trailing complete periods."""
    for stage in stages:
        series = [r for r in complete if r["plan_stage"] == stage and r["period_start_date"] in periods]
        figure.add_trace(
            go.Scatter(
                x=[r["period_start_date"] for r in series],
                y=[r["attainment_rate"] for r in series],
                mode="lines+markers",
                name=labels.stage(stage),
                line={"color": STAGE_COLORS[stage], "width": 2},
                marker={"size": 5},
                customdata=[
                    [
                        fmt_value(r["actual_value"], stage),
                        fmt_value(r["required_value"], stage),
                        escape(r["owner_department"]),
                    ]
                    for r in series
                ],
                hovertemplate=(
                    "%{x|%Y-%m}: %{y:.0%} (%{customdata[0]} / %{customdata[1]})"
                    "<br>%{customdata[2]}<extra>" + labels.stage(stage) + "</extra>"
                ),
            ),
            row=1,
            col=2,
        )
    figure.add_hline(y=1.0, line={"color": "#263238", "dash": "dash", "width": 1}, row=1, col=2)
    figure.update_yaxes(tickformat=".0%", row=1, col=2)

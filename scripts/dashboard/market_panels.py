"""Market-side panels: campaigns under the attribution models, targeting by ICP tier."""

# Bilingual UI text: full-width Japanese punctuation and typographic signs (–, ×, ÷) are intended.
# ruff: noqa: RUF001, RUF003

from __future__ import annotations

from dataclasses import dataclass

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from .context import DEPARTMENT_ORDER, STAGE_ORDER, Context
from .labels import ATTRIBUTION_MODELS
from .markup import escape
from .style import (
    DEPARTMENT_COLORS,
    MODEL_COLORS,
    NEUTRAL,
    TIER_COLORS,
    Panel,
    Text,
    base_layout,
    fmt_pct,
    fmt_value,
    wrap,
)

CAMPAIGN_METRICS = (
    ("pipeline", "attributed_pipeline_count"),
    ("won_amount", "attributed_won_amount"),
    ("won", "attributed_won_count"),
    ("appointment", "attributed_appointments_count"),
    ("lead", "attributed_leads_count"),
)
PREVIOUS_STAGE = {"handled": "lead", "appointment": "lead", "pipeline": "appointment", "won": "pipeline"}
TIER_ORDER = ("A", "B", "C", "Unmatched", "Unknown")


def campaign_panel(ctx: Context, top_n: int = 12, trailing_periods: int = 12) -> Panel:
    panel = _campaign_panel_header(top_n, trailing_periods)
    if not ctx.warehouse.has("fct_campaign_performance"):
        panel.notice = Text(
            "Not built: this warehouse has no fct_campaign_performance (campaign attribution is not part of "
            "this build). Build the attribution marts with dbt and render the dashboard again.",
            "未構築：このウェアハウスには fct_campaign_performance がありません（キャンペーン・アトリビュー"
            "ションがビルドされていません）。dbt でアトリビューションのマートをビルドしてから"
            "再生成してください。",
        )
        return panel
    rows = _campaign_rows(ctx, trailing_periods)
    if not rows:
        panel.notice = Text(
            "fct_campaign_performance has no complete period yet.",
            "fct_campaign_performance に確定期間がまだありません。",
        )
        return panel
    models = [m for m in ATTRIBUTION_MODELS if any(r["attribution_model"] == m for r in rows)]
    models += sorted({r["attribution_model"] for r in rows} - set(models))
    first_period = min(r["first_period"] for r in rows)
    last_period = max(r["last_period"] for r in rows)
    views = [_campaign_view(rows, models, stage, column, top_n) for stage, column in CAMPAIGN_METRICS]
    period_text = f"{ctx.period(first_period)} – {ctx.period(last_period)}"
    panel.figure = _campaign_figure(ctx.labels, models, views, period_text, top_n)
    return panel


def _campaign_panel_header(top_n: int, trailing_periods: int) -> Panel:
    return Panel(
        key="campaigns",
        title=Text(
            "Campaign performance under the attribution models",
            "アトリビューションモデル別のキャンペーン成果",
        ),
        caption=Text(
            f"The top {top_n} campaigns of the last {trailing_periods} complete periods, each credited "
            "under six attribution models side by side (first touch, last touch, linear, position-based, "
            "W-shaped, time decay). Where the bars of a campaign disagree, its ranking depends on the "
            "model: do not read one model alone. Use the menu to switch the stage credited. "
            "(unattributed) is what no campaign touched.",
            f"直近{trailing_periods}確定期間の上位{top_n}キャンペーンについて、6つのアトリビューションモデル"
            "（ファーストタッチ、ラストタッチ、均等配分、ポジションベース、W字型、時間減衰）で配分した成果を"
            "並べています。棒がモデル間で食い違うキャンペーンは、評価がモデル次第です。1つのモデルだけで"
            "判断しないでください。メニューで配分対象のステージを切り替えられます。(unattributed) は"
            "どのキャンペーンにも接触がなかった分です。",
        ),
        sources=["fct_campaign_performance", "dim_campaigns"],
    )


def _campaign_rows(ctx: Context, trailing_periods: int) -> list[dict]:
    """One row per campaign and attribution model over the trailing complete periods."""
    warehouse = ctx.warehouse
    name_join = (
        "left join {dim_campaigns} as campaigns on performance.campaign_id = campaigns.campaign_id"
        if warehouse.has("dim_campaigns")
        else ""
    )
    name_column = "campaigns.campaign_name" if warehouse.has("dim_campaigns") else "null"
    sums = ",\n".join(f"sum(performance.{column}) as {column}" for _, column in CAMPAIGN_METRICS)
    return warehouse.rows(
        f"""
        with periods as (
            select distinct period_start_date
            from {{fct_campaign_performance}}
            where is_complete_period
            order by period_start_date desc
            limit {int(trailing_periods)}
        )
        select
            performance.campaign_id,
            performance.attribution_model,
            coalesce({name_column}, performance.campaign_id) as campaign_name,
            max(performance.channel) as channel,
            min(performance.period_start_date) as first_period,
            max(performance.period_start_date) as last_period,
            {sums}
        from {{fct_campaign_performance}} as performance
        {name_join}
        where performance.period_start_date in (select period_start_date from periods)
        group by all
        """
    )


def _campaign_view(
    rows: list[dict], models: list[str], stage: str, column: str, top_n: int
) -> tuple[str, list[list[str]], list[list[float]]]:
    """The top campaigns for one credited stage: (stage, y labels per model, x values per model)."""
    totals: dict[str, float] = {}
    names: dict[str, str] = {}
    for row in rows:
        totals[row["campaign_id"]] = totals.get(row["campaign_id"], 0.0) + (row[column] or 0.0)
        # CRM strings: truncated as plain text, then escaped (plotly would render <a href>).
        name, channel = escape(_short(row["campaign_name"])), escape(row["channel"] or "–")
        names[row["campaign_id"]] = f"{name} · {channel}"
    top = sorted(totals, key=lambda campaign: (-totals[campaign], campaign))[:top_n]
    top = [campaign for campaign in top if totals[campaign] > 0] or top
    value = {(r["campaign_id"], r["attribution_model"]): r[column] or 0.0 for r in rows}
    return (
        stage,
        [[names[c] for c in reversed(top)] for _ in models],
        [[value.get((c, m), 0.0) for c in reversed(top)] for m in models],
    )


def _campaign_figure(
    labels, models: list[str], views: list[tuple], period_text: str, top_n: int
) -> go.Figure:
    figure = go.Figure()
    stage, y_all, x_all = views[0]
    # Horizontal groups draw the first trace at the bottom: add them in reverse, list them in order.
    for index, model in reversed(list(enumerate(models))):
        figure.add_trace(
            go.Bar(
                y=y_all[index],
                x=x_all[index],
                orientation="h",
                name=labels.model(model),
                marker={"color": MODEL_COLORS.get(model, NEUTRAL)},
                hovertemplate="%{y}<br>%{x:,.1f}<extra>" + labels.model(model) + "</extra>",
            )
        )
    base_layout(
        figure,
        height=max(520, 48 * top_n + 160),
        barmode="group",
        bargap=0.18,
        bargroupgap=0.05,
        margin={"l": 330, "r": 30, "t": 150, "b": 60},
        updatemenus=[_stage_menu(labels, views, period_text)],
        legend={
            "orientation": "h",
            "yanchor": "bottom",
            "y": 1.02,
            "xanchor": "left",
            "x": 0,
            "traceorder": "reversed",
        },
    )
    figure.add_annotation(
        text=labels.text(("Stage credited:", "配分対象ステージ：")),
        xref="paper",
        yref="paper",
        x=0,
        y=1,
        xanchor="right",
        yanchor="bottom",
        yshift=84,
        xshift=-8,
        showarrow=False,
    )
    figure.update_xaxes(
        title_text=_axis_title(labels, stage, period_text),
        tickformat=",.0f",
        showgrid=True,
        gridcolor="#eceff1",
    )
    figure.update_yaxes(tickfont={"size": 11}, gridcolor="rgba(0,0,0,0)")
    return figure


def _stage_menu(labels, views: list[tuple], period_text: str) -> dict:
    """The drop-down that switches the credited stage (one button per view)."""
    buttons = [
        {
            "label": labels.stage(view_stage),
            "method": "update",
            "args": [
                {"x": view_x[::-1], "y": view_y[::-1]},
                {
                    "xaxis.title.text": _axis_title(labels, view_stage, period_text),
                    "xaxis.tickformat": "~s" if view_stage == "won_amount" else ",.0f",
                },
            ],
        }
        for view_stage, view_y, view_x in views
    ]
    return {
        "buttons": buttons,
        "direction": "down",
        "x": 0.0,
        "xanchor": "left",
        "y": 1.0,
        "yanchor": "bottom",
        "pad": {"b": 78},
        "showactive": True,
        "bgcolor": "white",
    }


def _short(name: str | None, limit: int = 38) -> str:
    name = name or "–"
    return name if len(name) <= limit else name[: limit - 1] + "…"


def _axis_title(labels, stage: str, period_text: str) -> str:
    credited = labels.text(("credited", "配分された"))
    return f"{credited} {labels.stage(stage)}, {period_text}"


def targeting_panel(ctx: Context, trailing_periods: int = 12) -> Panel:
    labels = ctx.labels
    panel = _targeting_panel_header(trailing_periods)
    if ctx.latest_complete_period is None:
        panel.notice = Text("No complete period yet.", "確定した期間がまだありません。")
        return panel
    rows = _targeting_rows(ctx, trailing_periods)
    if not rows:
        panel.notice = Text(
            "fct_targeting_alignment has no rows.", "fct_targeting_alignment に行がありません。"
        )
        return panel
    counts = _TierCounts.of(rows)
    figure = make_subplots(
        rows=1,
        cols=3,
        horizontal_spacing=0.07,
        subplot_titles=[
            labels.text(("Tier mix of each stage", "ステージごとのティア構成")),
            labels.text(("Accepted work outside the ICP", "ICP外の受け入れ比率")),
            labels.text(("Conversion from previous stage", "直前ステージからの転換率")),
        ],
    )
    _add_tier_mix(figure, labels, counts)
    _add_outside_icp(figure, ctx, rows, counts.stages)
    _add_tier_conversion(figure, labels, counts)
    base_layout(figure, height=500, barmode="group", margin={"l": 60, "r": 20, "t": 120, "b": 60})
    figure.update_xaxes(tickangle=0, tickfont={"size": 10.5})
    figure.update_yaxes(tickformat=".0%", range=[0, 1], row=1, col=1)
    figure.update_yaxes(tickformat=".0%", rangemode="tozero", row=1, col=2)
    figure.update_yaxes(tickformat=".0%", rangemode="tozero", row=1, col=3)
    first, last = min(r["first_period"] for r in rows), max(r["last_period"] for r in rows)
    tier_list = ", ".join(sorted(counts.target_tiers))
    panel.notes.append(
        Text(
            f"Periods {ctx.period(first)} – {ctx.period(last)}; target tiers (✓): {tier_list}.",
            f"期間 {ctx.period(first)}〜{ctx.period(last)}。ターゲットティア（✓）：{tier_list}。",
        )
    )
    panel.figure = figure
    return panel


def _targeting_panel_header(trailing_periods: int) -> Panel:
    return Panel(
        key="targeting",
        title=Text("Targeting alignment by ICP tier", "ICPティア別のターゲティング整合"),
        caption=Text(
            f"Over the last {trailing_periods} complete periods (period view). Left: each stage's mix of "
            "ICP tiers - if all three departments work on the same customer, the target tiers' share "
            "should hold or grow down the funnel. Middle: the share of the work each department accepted "
            "that lies outside the target tiers. Right: each tier's conversion from the previous stage "
            "(handled and appointment from lead).",
            f"直近{trailing_periods}確定期間（期間ビュー）。左：各ステージのICPティア構成。3部門が同じ顧客像を"
            "追っていれば、ターゲットティアの比率はファネルの下流ほど維持・上昇するはずです。中央：各部門が"
            "受け入れた案件のうちターゲット外ティアの割合。右：ティアごとの直前ステージからの転換率"
            "（IS対応と商談アポイントはリードから）。",
        ),
        sources=["fct_targeting_alignment", "fct_funnel_periods"],
    )


def _targeting_rows(ctx: Context, trailing_periods: int) -> list[dict]:
    """Reached counts by tier, stage and accepting department over the trailing complete periods."""
    return ctx.warehouse.rows(
        f"""
        with periods as (
            select distinct period_start_date
            from {{fct_targeting_alignment}}
            where period_start_date <= ?
            order by period_start_date desc
            limit {int(trailing_periods)}
        )
        select
            icp_tier,
            is_target_tier,
            funnel_stage,
            coalesce(accepting_department, 'Unassigned') as accepting_department,
            sum(reached_count) as reached_count,
            min(period_start_date) as first_period,
            max(period_start_date) as last_period
        from {{fct_targeting_alignment}}
        where period_start_date in (select period_start_date from periods)
        group by all
        """,
        [ctx.latest_complete_period],
    )


@dataclass
class _TierCounts:
    """The targeting rows summed by tier and stage."""

    stages: list[str]
    tiers: list[str]
    target_tiers: set[str]
    tier_stage: dict[tuple[str, str], float]
    stage_total: dict[str, float]

    @classmethod
    def of(cls, rows: list[dict]) -> _TierCounts:
        stages = [s for s in STAGE_ORDER if any(r["funnel_stage"] == s for r in rows)]
        tiers = [t for t in TIER_ORDER if any(r["icp_tier"] == t for r in rows)]
        tiers += sorted({r["icp_tier"] for r in rows} - set(tiers))
        target_tiers = {r["icp_tier"] for r in rows if r["is_target_tier"]}
        tier_stage: dict[tuple[str, str], float] = {}
        stage_total: dict[str, float] = {}
        for row in rows:
            key = (row["icp_tier"], row["funnel_stage"])
            tier_stage[key] = tier_stage.get(key, 0) + row["reached_count"]
            stage_total[row["funnel_stage"]] = stage_total.get(row["funnel_stage"], 0) + row["reached_count"]
        return cls(stages, tiers, target_tiers, tier_stage, stage_total)


def _add_tier_mix(figure: go.Figure, labels, counts: _TierCounts) -> None:
    """Left: each stage's mix of tiers."""
    stages, tier_stage, stage_total = counts.stages, counts.tier_stage, counts.stage_total
    x_stages = [wrap(labels.stage(stage), 11) for stage in stages]
    # Stacked by hand (base = the tiers before), so the other subplots can stay grouped.
    bases = [0.0] * len(stages)
    for tier in counts.tiers:
        shares = [
            tier_stage.get((tier, s), 0) / stage_total[s] if stage_total.get(s) else 0.0 for s in stages
        ]
        target = " ✓" if tier in counts.target_tiers else ""
        figure.add_trace(
            go.Bar(
                x=x_stages,
                y=shares,
                base=list(bases),
                offsetgroup="tiers",
                name=f"{labels.tier(tier)}{target}",
                legendgroup=tier,
                marker={"color": TIER_COLORS.get(tier, NEUTRAL), "line": {"color": "white", "width": 1}},
                text=[fmt_pct(s) for s in shares],
                textposition="inside",
                textfont={"size": 10},
                hovertemplate="%{x}: %{y:.1%}<extra>" + labels.tier(tier) + "</extra>",
            ),
            row=1,
            col=1,
        )
        bases = [b + share for b, share in zip(bases, shares, strict=True)]


def _add_outside_icp(figure: go.Figure, ctx: Context, rows: list[dict], stages: list[str]) -> None:
    """Middle: the share of each department's accepted work outside the target tiers."""
    labels = ctx.labels
    departments = sorted({r["accepting_department"] for r in rows}, key=ctx.department_sort_key)
    for department in departments:
        if department not in DEPARTMENT_ORDER:
            continue
        accepted = {
            s: sum(
                r["reached_count"]
                for r in rows
                if r["accepting_department"] == department and r["funnel_stage"] == s
            )
            for s in stages
        }
        outside = {
            s: sum(
                r["reached_count"]
                for r in rows
                if r["accepting_department"] == department
                and r["funnel_stage"] == s
                and not r["is_target_tier"]
            )
            for s in stages
        }
        shown = [s for s in stages if accepted[s] > 0]
        if not shown:
            continue
        figure.add_trace(
            go.Bar(
                x=[wrap(labels.stage(s), 11) for s in shown],
                y=[outside[s] / accepted[s] for s in shown],
                name=labels.department(department),
                marker={"color": DEPARTMENT_COLORS.get(department, NEUTRAL)},
                text=[fmt_pct(outside[s] / accepted[s]) for s in shown],
                textposition="outside",
                textfont={"size": 10},
                cliponaxis=False,
                customdata=[[fmt_value(outside[s], s), fmt_value(accepted[s], s)] for s in shown],
                hovertemplate="%{x}: %{y:.1%} (%{customdata[0]} of %{customdata[1]})<extra>"
                + labels.department(department)
                + "</extra>",
            ),
            row=1,
            col=2,
        )


def _add_tier_conversion(figure: go.Figure, labels, counts: _TierCounts) -> None:
    """Right: each tier's conversion from the previous stage."""
    conversion_stages = [s for s in counts.stages if s in PREVIOUS_STAGE]
    for tier in counts.tiers:
        values = []
        for stage in conversion_stages:
            previous = counts.tier_stage.get((tier, PREVIOUS_STAGE[stage]), 0)
            values.append(counts.tier_stage.get((tier, stage), 0) / previous if previous else None)
        figure.add_trace(
            go.Bar(
                x=[wrap(labels.stage(s), 11) for s in conversion_stages],
                y=values,
                name=labels.tier(tier),
                legendgroup=tier,
                showlegend=False,
                marker={"color": TIER_COLORS.get(tier, NEUTRAL), "line": {"color": "#78909c", "width": 1}},
                hovertemplate="%{x}: %{y:.1%}<extra>" + labels.tier(tier) + "</extra>",
            ),
            row=1,
            col=3,
        )

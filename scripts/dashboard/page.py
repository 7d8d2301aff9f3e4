"""The self-contained HTML page: plotly.js inline, one card per panel, an en/ja switch."""

# Bilingual UI text: full-width Japanese punctuation and typographic signs (–, ×, ÷) are intended.
# ruff: noqa: RUF001, RUF003

from __future__ import annotations

import plotly.io as pio
from plotly.offline import get_plotlyjs

from .context import Context
from .markup import escape
from .style import FONT_FAMILY, Panel, Text

PLOT_CONFIG = {
    "displaylogo": False,
    "responsive": True,
    "modeBarButtonsToRemove": ["lasso2d", "select2d", "autoScale2d"],
    "toImageButtonOptions": {"format": "png", "scale": 2},
}

CSS = """
:root { --ink: #263238; --muted: #607d8b; --line: #e0e6ea; --bg: #f5f7f9; --accent: #3b6fb6; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--ink); font-family: FONT; font-size: 14px;
       line-height: 1.55; }
html[data-lang="en"] body [lang="ja"], html[data-lang="ja"] body [lang="en"] { display: none; }
header { background: white; border-bottom: 1px solid var(--line); padding: 18px 32px 10px; }
header h1 { margin: 0; font-size: 24px; font-weight: 700; }
header h1 .sub { font-weight: 400; color: var(--muted); font-size: 17px; margin-left: 10px; }
.meta { color: var(--muted); margin-top: 4px; }
.meta b { color: var(--ink); }
.topbar { display: flex; justify-content: space-between; align-items: flex-start; gap: 24px; }
.lang-switch button { border: 1px solid var(--line); background: white; padding: 4px 12px; cursor: pointer;
                      font: inherit; border-radius: 4px; }
.lang-switch button.active { background: var(--accent); color: white; border-color: var(--accent); }
nav { margin-top: 10px; display: flex; flex-wrap: wrap; gap: 6px 16px; font-size: 13px; }
nav a { color: var(--accent); text-decoration: none; }
nav a:hover { text-decoration: underline; }
main { max-width: 1360px; margin: 0 auto; padding: 16px 20px 40px; }
.summary { background: white; border: 1px solid var(--line); border-radius: 8px; padding: 12px 18px;
           margin-bottom: 18px; }
.summary-title { color: var(--muted); font-size: 13px; margin-bottom: 8px; }
.tiles { display: grid; grid-template-columns: repeat(6, 1fr); gap: 12px; }
.tile { border-left: 4px solid var(--accent); padding: 2px 10px; }
.tile-label { font-size: 12px; color: var(--muted); }
.tile-value { font-size: 22px; font-weight: 700; }
.delta { font-size: 12px; }
.delta.up, .good { color: #2e7d32; }
.delta.down, .bad { color: #c62828; }
.panel { background: white; border: 1px solid var(--line); border-radius: 8px; padding: 16px 20px 12px;
         margin-bottom: 18px; }
.panel h2 { margin: 0 0 6px; font-size: 18px; }
.caption { margin: 0 0 8px; color: #37474f; max-width: 1200px; }
.caption .how { font-weight: 700; color: var(--accent); margin-right: 6px; }
.notice { border: 1px dashed #b0bec5; background: #fafafa; color: #455a64; padding: 24px; text-align: center;
          border-radius: 6px; margin: 8px 0; }
.notes { color: var(--muted); font-size: 12.5px; margin: 4px 0 0; padding-left: 18px; }
.source { color: var(--muted); font-size: 12px; margin: 6px 0 0; }
.source code { background: #eef2f5; padding: 1px 4px; border-radius: 3px; }
table.data { border-collapse: collapse; margin: 10px 0 4px; font-size: 13px; width: 100%; }
table.data th, table.data td { border-bottom: 1px solid var(--line); padding: 5px 10px; text-align: left; }
table.data th { color: var(--muted); font-weight: 600; }
footer { max-width: 1360px; margin: 0 auto; padding: 0 20px 40px; color: var(--muted); font-size: 12.5px; }
""".replace("FONT", FONT_FAMILY)

LANG_SCRIPT = """
(function () {
  function setLang(lang) {
    document.documentElement.setAttribute('data-lang', lang);
    document.documentElement.setAttribute('lang', lang);
    document.querySelectorAll('[data-set-lang]').forEach(function (button) {
      button.classList.toggle('active', button.getAttribute('data-set-lang') === lang);
    });
  }
  document.querySelectorAll('[data-set-lang]').forEach(function (button) {
    button.addEventListener('click', function () { setLang(button.getAttribute('data-set-lang')); });
  });
  setLang(document.documentElement.getAttribute('data-lang') || 'en');
})();
"""


def bilingual(text: Text, tag: str = "span") -> str:
    """Both languages of `text`, escaped (prose built from data is plain text too)."""
    return f'<{tag} lang="en">{escape(text.en)}</{tag}><{tag} lang="ja">{escape(text.ja)}</{tag}>'


def render_panel(panel: Panel) -> str:
    key = escape(panel.key)
    parts = [
        f'<section class="panel" id="panel-{key}" data-panel="{key}">',
        f"<h2>{bilingual(panel.title)}</h2>",
        '<p class="caption"><span class="how" lang="en">How to read this:</span>'
        '<span class="how" lang="ja">読み方：</span>'
        f"{bilingual(panel.caption)}</p>",
    ]
    if panel.figure is not None:
        parts.append(
            pio.to_html(
                panel.figure,
                full_html=False,
                include_plotlyjs=False,
                div_id=f"plot-{panel.key}",
                config=PLOT_CONFIG,
            )
        )
    if panel.notice is not None:
        parts.append(f'<div class="notice" data-notice="{key}">{bilingual(panel.notice)}</div>')
    parts.append(panel.extra_html)
    if panel.notes:
        parts.append('<ul class="notes">' + "".join(bilingual(n, "li") for n in panel.notes) + "</ul>")
    sources = ", ".join(f"<code>{escape(s)}</code>" for s in panel.sources)
    parts.append(
        f'<p class="source"><span lang="en">Source: </span><span lang="ja">出典：</span>{sources}</p>'
    )
    parts.append("</section>")
    return "\n".join(parts)


def render_page(ctx: Context, panels: list[Panel], summary: str) -> str:
    lang = escape(ctx.labels.lang)
    as_of = escape(ctx.as_of_date.isoformat() if ctx.as_of_date else "–")
    attribution = ctx.warehouse.has("fct_campaign_performance")
    nav = "".join(f'<a href="#panel-{escape(p.key)}">{bilingual(p.title)}</a>' for p in panels)
    meta = (
        f'<span lang="en">As of <b>{as_of}</b> · period grain <b>{escape(ctx.grain)}</b> · '
        "latest complete "
        f"period <b>{escape(ctx.period(ctx.latest_complete_period))}</b> · warehouse "
        f"<code>{escape(ctx.warehouse.path.name)}</code> (read-only)"
        f"{'' if attribution else ' · campaign attribution not built'}</span>"
        f'<span lang="ja">基準日 <b>{as_of}</b>・期間粒度 <b>{escape(ctx.grain)}</b>・直近の確定期間 '
        f"<b>{escape(ctx.period(ctx.latest_complete_period))}</b>・ウェアハウス "
        f"<code>{escape(ctx.warehouse.path.name)}</code>（読み取り専用）"
        f"{'' if attribution else '・キャンペーン・アトリビューション未構築'}</span>"
    )
    footer = bilingual(
        Text(
            "Every number comes from the published marts of the revenue_funnel dbt project; their columns "
            "are documented in the dbt docs (make serve-docs). Point any DuckDB client or BI tool at the "
            "same file read-only to explore further.",
            "すべての数値は dbt プロジェクト revenue_funnel の公開マートから取得しています。各列の定義は "
            "dbt docs（make serve-docs）にあります。さらに分析するときは、任意の DuckDB クライアントや BI "
            "ツールで同じファイルを読み取り専用で開いてください。",
        ),
        "p",
    )
    return f"""<!DOCTYPE html>
<html lang="{lang}" data-lang="{lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="revenue_funnel scripts/build_dashboard.py">
<title>Revenue funnel dashboard · {as_of}</title>
<style>{CSS}</style>
<script type="text/javascript">{get_plotlyjs()}</script>
</head>
<body>
<header>
<div class="topbar">
<div>
<h1>Revenue funnel dashboard<span class="sub">レベニューファネル・ダッシュボード</span></h1>
<div class="meta">{meta}</div>
</div>
<div class="lang-switch" role="group" aria-label="Language">
<button type="button" data-set-lang="en">English</button>
<button type="button" data-set-lang="ja">日本語</button>
</div>
</div>
<nav>{nav}</nav>
</header>
<main>
{summary}
{"".join(render_panel(panel) for panel in panels)}
</main>
<footer>{footer}</footer>
<script type="text/javascript">{LANG_SCRIPT}</script>
</body>
</html>
"""

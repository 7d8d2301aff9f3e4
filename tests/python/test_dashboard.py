"""The HTML dashboard (scripts/build_dashboard.py) renders from a freshly built warehouse, opens in
headless Chromium without a JavaScript error, and every chart has drawn data.

Chromium comes from the Debian package (scripts/install_system_deps.sh, run by CI). Without it
these tests FAIL with that instruction: a skipped browser check would let a broken page through.
The full-page screenshot is saved to build/dashboard/screenshot.png for a human to look at.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import struct
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import duckdb
import pytest
from dashboard import PANEL_KEYS, build_dashboard
from dashboard.browser import PageReport, find_chromium, inspect_page, screenshot
from dashboard.style import Panel
from dashboard.warehouse import Warehouse
from dbt_runner import PROJECT_DIR
from plotly.offline import get_plotlyjs

SCREENSHOT = PROJECT_DIR / "build" / "dashboard" / "screenshot.png"
BUILD_DASHBOARD = PROJECT_DIR / "scripts" / "build_dashboard.py"
CAMPAIGN_MART = "fct_campaign_performance"


def _require_chromium() -> None:
    if find_chromium() is None:
        pytest.fail(
            "Chromium is not installed (looked for $CHROMIUM and /usr/bin/chromium): run "
            "scripts/install_system_deps.sh (apt-get install chromium fonts-noto-cjk). "
            "CI installs it before `make test`.",
            pytrace=False,
        )


@pytest.fixture(scope="module")
def dashboard(demo_warehouse: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Panel]]:
    out = tmp_path_factory.mktemp("dashboard") / "index.html"
    panels = build_dashboard(demo_warehouse, out, lang="en")
    return out, panels


@pytest.fixture(scope="module")
def page(dashboard: tuple[Path, list[Panel]], tmp_path_factory: pytest.TempPathFactory) -> PageReport:
    _require_chromium()
    html_path, _ = dashboard
    return inspect_page(html_path, tmp_path_factory.mktemp("inspect"))


def _has_table(database: Path, table: str) -> bool:
    with duckdb.connect(str(database), read_only=True) as con:
        return bool(
            con.execute(
                "select count(*) from information_schema.tables where table_name = ?", [table]
            ).fetchone()[0]
        )


def test_every_panel_is_rendered(dashboard: tuple[Path, list[Panel]], demo_warehouse: Path) -> None:
    html_path, panels = dashboard
    html = html_path.read_text(encoding="utf-8")
    assert [panel.key for panel in panels] == list(PANEL_KEYS)
    campaigns_built = _has_table(demo_warehouse, CAMPAIGN_MART)
    for panel in panels:
        assert f'id="panel-{panel.key}"' in html
        if panel.key == "campaigns" and not campaigns_built:
            assert panel.figure is None and panel.notice is not None
            assert f'data-notice="{panel.key}"' in html
            continue
        assert panel.figure is not None, f"panel {panel.key} has no chart: {panel.notice}"
        assert panel.notice is None, f"panel {panel.key}: {panel.notice}"
        assert f'id="plot-{panel.key}"' in html
    assert "As of <b>20" in html, "the as-of date is missing from the header"


def test_the_factor_bars_switch_between_the_two_views(
    dashboard: tuple[Path, list[Panel]], demo_warehouse: Path
) -> None:
    """One button per conversion view; each shows exactly that view's bars, whose segments
    (systematic parts and the chance segment) add up to the mart's shares of each KPI."""
    figure = next(panel for panel in dashboard[1] if panel.key == "factors").figure
    (menu,) = figure.layout.updatemenus
    assert [button.label for button in menu.buttons] == ["Cohort view (rates)", "Period view (flows)"]
    with duckdb.connect(str(demo_warehouse), read_only=True) as con:
        latest = con.execute(
            "select conversion_view, max(window_end_period_start_date) from fct_kpi_controllability_factors"
            " where variance_share is not null group by conversion_view"
        ).fetchall()
        shares = {
            view: con.execute(
                "select sum(variance_share) from fct_kpi_controllability_factors"
                " where conversion_view = ? and window_end_period_start_date = ? and kpi_stage = 'won'",
                [view, end],
            ).fetchone()[0]
            for view, end in latest
        }
    for button, view in zip(menu.buttons, ("cohort", "period"), strict=True):
        visible = button.args[0]["visible"]
        assert any(visible) and not all(visible)
        shown = [trace for trace, on in zip(figure.data, visible, strict=True) if on]
        won = sum(
            y for trace in shown for x, y in zip(trace.x, trace.y, strict=True) if x.startswith("Won<br>")
        )
        assert won == pytest.approx(shares[view], abs=1e-9), view
        # the cohort view is shown first
        assert all(trace.visible is not False for trace in shown) == (view == "cohort")


def test_a_rate_the_dashboard_does_not_know_is_still_drawn() -> None:
    """A factor a configured chain adds (not in the dashboard's own order) is drawn after the
    known ones, in its department's colour, never dropped."""
    import datetime as dt

    from dashboard.controllability_panels import _add_rate_volatility
    from dashboard.labels import Labels
    from dashboard.style import DEPARTMENT_COLORS
    from plotly.subplots import make_subplots

    figure = make_subplots(rows=1, cols=1)
    rows = [
        {
            "rate_name": name,
            "owner_department": "Field Sales",
            "period_start_date": dt.date(2026, 1, 1),
            "coefficient_of_variation": 0.1,
            "is_stable": True,
            "rate_value": 0.5,
        }
        for name in ("renewal_rate", "win_rate")
    ]
    _add_rate_volatility(figure, Labels("en"), rows, None)
    assert [trace.name.split(" · ")[0] for trace in figure.data] == ["Selling power (営業力)", "renewal_rate"]
    assert figure.data[1].line.color == DEPARTMENT_COLORS["Field Sales"]


def test_page_is_self_contained_and_bilingual(dashboard: tuple[Path, list[Panel]]) -> None:
    html = dashboard[0].read_text(encoding="utf-8")
    plotly_js = get_plotlyjs()
    assert html.count(plotly_js) == 1, "plotly.js must be embedded inline, once"
    # Outside plotly.js itself (whose code holds URLs it never loads here), nothing is fetched.
    page = html.replace(plotly_js, "")
    for reference in ("<script src", 'src="http', "src='http", 'href="http', "<link", "@import", "url(http"):
        assert reference not in page, reference
    for term in ("Appointment (商談アポイント)", "Pipeline (案件化)", "Won (成約)", "無理なKPI設定"):
        assert term in html, term
    assert 'data-set-lang="ja"' in html and 'data-lang="en"' in html


def test_no_javascript_errors(page: PageReport) -> None:
    assert page.inspected, "the page never finished loading in Chromium"
    assert page.js_errors == [], "JavaScript errors:\n" + "\n".join(page.js_errors)
    assert page.console_errors == [], "console errors:\n" + "\n".join(page.console_errors)


def test_every_chart_has_drawn_data(page: PageReport, dashboard: tuple[Path, list[Panel]]) -> None:
    expected = {f"plot-{panel.key}" for panel in dashboard[1] if panel.figure is not None}
    assert set(page.plot_dom) == expected
    assert set(page.plots) == expected
    for plot_id in sorted(expected):
        dom = page.plot_dom[plot_id]
        assert dom.main_svg >= 1, f"{plot_id}: no <svg class=main-svg> - plotly did not draw it"
        assert dom.traces >= 1, f"{plot_id}: no trace drawn"
        assert dom.marks >= 1, f"{plot_id}: no bar, point, line or heatmap drawn"
        traces = page.plots[plot_id]["traces"]
        assert traces, f"{plot_id}: the figure has no trace"
        empty = [f"{t['type']} {t['name']!r}" for t in traces if t["values"] == 0]
        assert not empty, f"{plot_id}: empty traces {empty}"
        assert page.plots[plot_id]["height"] > 100, f"{plot_id}: collapsed"


def test_full_page_screenshot(page: PageReport, dashboard: tuple[Path, list[Panel]]) -> None:
    assert page.page_height > 3000, page.page_height
    png = screenshot(dashboard[0], SCREENSHOT, width=1400, height=page.page_height + 40)
    header = png.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", header[16:24])
    assert (width, height) == (1400, page.page_height + 40)


def test_the_browser_checks_catch_errors_and_empty_charts(tmp_path: Path) -> None:
    """Negative control: a page with a thrown error and an empty chart is reported as such."""
    _require_chromium()
    broken = tmp_path / "broken.html"
    broken.write_text(
        "<!DOCTYPE html><html><head><meta charset='utf-8'>"
        f"<script>{get_plotlyjs()}</script></head><body>"
        '<div id="plot-empty" class="plotly-graph-div" style="height:300px;width:600px"></div>'
        "<script>Plotly.newPlot('plot-empty', [{type: 'scatter', x: [], y: []}]);</script>"
        "<script>undefinedFunction();</script></body></html>",
        encoding="utf-8",
    )
    report = inspect_page(broken, tmp_path)
    assert any("undefinedFunction" in error for error in report.js_errors), report.js_errors
    assert report.plot_dom["plot-empty"].main_svg >= 1
    assert report.plot_dom["plot-empty"].traces == 0
    assert report.plots["plot-empty"]["traces"][0]["values"] == 0


def test_the_warehouse_is_opened_read_only(demo_warehouse: Path, tmp_path: Path) -> None:
    before = hashlib.sha256(demo_warehouse.read_bytes()).hexdigest()
    build_dashboard(demo_warehouse, tmp_path / "index.html")
    assert hashlib.sha256(demo_warehouse.read_bytes()).hexdigest() == before
    with Warehouse(demo_warehouse) as warehouse, pytest.raises(duckdb.Error, match="read-only"):
        warehouse.con.execute("create table written_by_dashboard (x integer)")


def test_campaign_panel_says_not_built_without_the_mart(demo_warehouse: Path, tmp_path: Path) -> None:
    database = tmp_path / "without_attribution.duckdb"
    shutil.copyfile(demo_warehouse, database)
    with duckdb.connect(str(database)) as con:
        con.execute(f"drop table if exists {CAMPAIGN_MART} cascade")
    panels = {panel.key: panel for panel in build_dashboard(database, tmp_path / "index.html")}
    html = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert panels["campaigns"].figure is None
    assert panels["campaigns"].notice is not None and "Not built" in panels["campaigns"].notice.en
    assert 'id="plot-campaigns"' not in html and "campaign attribution not built" in html
    assert all(panel.figure is not None for key, panel in panels.items() if key != "campaigns")


def test_command_line(demo_warehouse: Path, tmp_path: Path) -> None:
    out = tmp_path / "ja" / "index.html"
    completed = subprocess.run(
        [
            sys.executable,
            str(BUILD_DASHBOARD),
            "--duckdb",
            str(demo_warehouse),
            "--out",
            str(out),
            "--lang",
            "ja",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert "wrote" in completed.stdout
    html = out.read_text(encoding="utf-8")
    assert 'data-lang="ja"' in html and "商談アポイント (Appointment)" in html

    missing = subprocess.run(
        [sys.executable, str(BUILD_DASHBOARD), "--duckdb", str(tmp_path / "nope.duckdb"), "--out", str(out)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert missing.returncode == 1
    assert "not found" in missing.stderr


# CRM strings that would be markup if the dashboard did not render data as plain text.
CAMPAIGN_LINK = '<a href="https://evil.example">x</a>'
CAMPAIGN_SCRIPT = "</script><script>alert(1)</script>"
CHANNEL_SCRIPT = "<script>alert(2)</script>"
DEPARTMENT_IMG = "<img src=x onerror=alert(3)>Marketing"
STAGE_LINK = '<a href="javascript:alert(4)">Pipeline</a>'


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: dict[str, list[dict[str, str | None]]] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.setdefault(tag, []).append(dict(attrs))


def _replace_columns(con: duckdb.DuckDBPyConnection, table: str, replace: str) -> None:
    """Rewrite string columns of a mart (table or view) with `select * replace (...)`."""
    kind = con.execute(
        "select table_type from information_schema.tables where table_schema = 'main' and table_name = ?",
        [table],
    ).fetchone()[0]
    con.execute(f"create table injected_copy as select * replace ({replace}) from main.{table}")
    con.execute(f"drop {'view' if kind == 'VIEW' else 'table'} main.{table}")
    con.execute(f"alter table injected_copy rename to {table}")


@pytest.fixture(scope="module")
def injected_dashboard(
    demo_warehouse: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, dict[str, Panel]]:
    """The dashboard of a copy of the demo warehouse whose CRM strings are HTML and script."""
    if not _has_table(demo_warehouse, CAMPAIGN_MART):
        pytest.fail(f"the demo warehouse has no {CAMPAIGN_MART}: campaign names are not rendered")
    work = tmp_path_factory.mktemp("injected")
    database = work / "injected.duckdb"
    shutil.copyfile(demo_warehouse, database)
    with duckdb.connect(str(database)) as con:
        link, script = (CAMPAIGN_LINK.replace("'", "''"), CAMPAIGN_SCRIPT)
        _replace_columns(
            con,
            "dim_campaigns",
            f"case when hash(campaign_id) % 2 = 0 then '{link}' else '{script}' end as campaign_name",
        )
        _replace_columns(con, CAMPAIGN_MART, f"'{CHANNEL_SCRIPT}' as channel")
        for table in ("fct_department_kpis", "fct_kpi_controllability"):
            department = f"case when department = 'Marketing' then '{DEPARTMENT_IMG}' else department end"
            _replace_columns(con, table, f"{department} as department")
        _replace_columns(con, "fct_revenue_plan", f"'{DEPARTMENT_IMG}' as owner_department")
        _replace_columns(
            con,
            "dim_funnel_stages",
            f"case when funnel_stage = 'pipeline' then '{STAGE_LINK}' else label_en end as label_en",
        )
    out = work / "index.html"
    panels = build_dashboard(database, out, lang="en")
    return out, {panel.key: panel for panel in panels}


def _unescape_json(text: str) -> str:
    """The page with plotly's JSON escapes (\\u003c, \\u002f...) decoded: what plotly.js will see."""
    return re.sub(r"\\u([0-9a-fA-F]{4})", lambda match: chr(int(match.group(1), 16)), text)


def test_crm_strings_are_plain_text(injected_dashboard: tuple[Path, dict[str, Panel]]) -> None:
    html_path, panels = injected_dashboard
    page = html_path.read_text(encoding="utf-8")
    without_plotly = page.replace(get_plotlyjs(), "")
    # Neither the HTML nor the figures (as plotly.js reads them) hold a tag from the data.
    for text in (without_plotly, _unescape_json(without_plotly)):
        for injected in ('<a href="https://evil', '<a href="javascript:', "<script>alert", "<img src=x"):
            assert injected not in text, injected
    elements = _Elements()
    elements.feed(without_plotly)
    assert [a.get("href", "") for a in elements.tags["a"]] == [f"#panel-{key}" for key in PANEL_KEYS]
    figures = sum(panel.figure is not None for panel in panels.values())
    assert len(elements.tags["script"]) == 2 + figures, "a <script> element came from the data"
    assert "img" not in elements.tags
    # The strings are there, as text (escaped once): in the HTML (pacing table) and the chart JSON.
    assert "&lt;img src=x onerror=alert(3)&gt;Marketing" in page
    decoded = _unescape_json(without_plotly)
    assert "&amp;lt;" not in decoded and "&amp;#34;" not in decoded, "escaped twice"
    for escaped in (
        "&lt;a href=&#34;https://evil.example&#34;&gt;x&lt;/a&gt;",
        "&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;",
        "&lt;script&gt;alert(2)&lt;/script&gt;",
        "&lt;a href=&#34;javascript:alert(4)&#34;&gt;Pipeline&lt;/a&gt;",
    ):
        assert escaped in decoded, escaped
    campaign_labels = {label for trace in panels["campaigns"].figure.data for label in trace.y}
    assert (
        "&lt;a href=&#34;https://evil.example&#34;&gt;x&lt;/a&gt; · &lt;script&gt;alert(2)&lt;/script&gt;"
        in campaign_labels
    ), campaign_labels
    assert all("<" not in label for label in campaign_labels), campaign_labels


def test_crm_strings_are_not_links_in_the_browser(
    injected_dashboard: tuple[Path, dict[str, Panel]], tmp_path: Path
) -> None:
    """What plotly.js drew: the names show as text, there is no link or script from the data."""
    _require_chromium()
    report = inspect_page(injected_dashboard[0], tmp_path)
    assert report.inspected, "the page never finished loading in Chromium"
    assert report.js_errors == [], report.js_errors
    dom = report.dom.replace(get_plotlyjs(), "")
    elements = _Elements()
    elements.feed(dom)
    # The mode bar's buttons are <a> without a link; every link is the page's own navigation.
    hrefs = [a.get("href") or a.get("xlink:href") or "" for a in elements.tags.get("a", [])]
    assert [href for href in hrefs if href and not href.startswith("#panel-")] == [], hrefs
    assert "img" not in elements.tags
    assert '&lt;a href="https://evil.example"&gt;x&lt;/a&gt;' in dom, "the campaign name is not shown"

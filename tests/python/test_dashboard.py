"""The HTML dashboard (scripts/build_dashboard.py) renders from a freshly built warehouse, opens in
headless Chromium without a JavaScript error, and every chart has drawn data.

Chromium comes from the Debian package (scripts/install_system_deps.sh, run by CI). Without it
these tests FAIL with that instruction: a skipped browser check would let a broken page through.
The full-page screenshot is saved to build/dashboard/screenshot.png for a human to look at.
"""

from __future__ import annotations

import hashlib
import shutil
import struct
import subprocess
import sys
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

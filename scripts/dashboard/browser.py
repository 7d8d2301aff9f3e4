"""Open the dashboard in headless Chromium: collect JavaScript errors, inspect the plots, screenshot.

Used by tests/python/test_dashboard.py and `build_dashboard.py --screenshot`. Chromium comes from
the Debian package (scripts/install_system_deps.sh); nothing here downloads a browser.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome")
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--hide-scrollbars",
    "--mute-audio",
)
VIRTUAL_TIME_BUDGET_MS = 10_000

# Injected as the first script of <head>, before plotly.js: records every uncaught error,
# unhandled promise rejection and console.error on the <html> element (the only element that
# exists while <head> scripts run), and after load measures each plot and the page height.
COLLECTOR = """<script>
(function () {
  var errors = [];
  var root = document.documentElement;
  function record(message) {
    errors.push(String(message));
    root.setAttribute('data-js-errors', JSON.stringify(errors));
  }
  root.setAttribute('data-js-errors', '[]');
  window.addEventListener('error', function (event) {
    var where = event.filename ? ' (' + event.filename + ':' + event.lineno + ')' : '';
    record((event.message || 'error') + where);
  }, true);
  window.addEventListener('unhandledrejection', function (event) {
    var reason = event.reason;
    record('unhandled rejection: ' + (reason && reason.message ? reason.message : reason));
  });
  var consoleError = console.error;
  console.error = function () {
    record('console.error: ' + Array.prototype.map.call(arguments, String).join(' '));
    return consoleError.apply(console, arguments);
  };
  function filled(values) {
    if (values === undefined || values === null) { return 0; }
    if (!Array.isArray(values) && !(values.length >= 0)) { return 1; }
    var count = 0;
    for (var i = 0; i < values.length; i++) {
      var value = values[i];
      if (Array.isArray(value)) { count += filled(value); }
      else if (value !== null && value !== undefined && value === value) { count += 1; }
    }
    return count;
  }
  window.addEventListener('load', function () {
    setTimeout(function () {
      var plots = {};
      document.querySelectorAll('.plotly-graph-div').forEach(function (div) {
        plots[div.id] = {
          traces: (div.data || []).map(function (trace) {
            return {
              type: trace.type || 'scatter',
              name: trace.name || '',
              values: filled(
                trace.type === 'heatmap' ? trace.z : (trace.orientation === 'h' ? trace.x : trace.y)
              )
            };
          }),
          width: div.getBoundingClientRect().width,
          height: div.getBoundingClientRect().height
        };
      });
      root.setAttribute('data-plots', JSON.stringify(plots));
      root.setAttribute('data-page-height', String(Math.ceil(document.documentElement.scrollHeight)));
      root.setAttribute('data-inspected', 'true');
    }, 1500);
  });
})();
</script>"""


class ChromiumMissing(RuntimeError):
    pass


def find_chromium() -> str | None:
    configured = os.environ.get("CHROMIUM")
    for candidate in ((configured,) if configured else ()) + CHROMIUM_CANDIDATES:
        path = shutil.which(candidate)
        if path:
            return path
    return None


def require_chromium() -> str:
    chromium = find_chromium()
    if chromium is None:
        raise ChromiumMissing(
            "Chromium not found (looked for $CHROMIUM, /usr/bin/chromium, chromium, chromium-browser, "
            "google-chrome). Install it with scripts/install_system_deps.sh "
            "(apt-get install chromium fonts-noto-cjk)."
        )
    return chromium


@dataclass
class PlotDom:
    """What the serialised DOM holds inside one plot div."""

    main_svg: int = 0
    traces: int = 0
    marks: int = 0


@dataclass
class PageReport:
    js_errors: list[str]
    console_errors: list[str]
    plots: dict[str, dict]
    plot_dom: dict[str, PlotDom]
    page_height: int
    inspected: bool
    dom: str = field(repr=False)


def _run(chromium: str, args: list[str], timeout: int) -> subprocess.CompletedProcess[str]:
    with tempfile.TemporaryDirectory(prefix="chromium-profile-") as profile:
        return subprocess.run(
            [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )


def inspect_page(html_path: Path, work_dir: Path, timeout: int = 180) -> PageReport:
    """Load a copy of the page with the error collector injected; return what it recorded."""
    chromium = require_chromium()
    page = html_path.read_text(encoding="utf-8")
    if "<head>" not in page:
        raise ValueError(f"{html_path} has no <head>")
    probe = work_dir / f"{html_path.stem}.inspect.html"
    probe.write_text(page.replace("<head>", "<head>\n" + COLLECTOR, 1), encoding="utf-8")
    completed = _run(
        chromium,
        [
            "--enable-logging=stderr",
            "--v=0",
            f"--virtual-time-budget={VIRTUAL_TIME_BUDGET_MS}",
            "--window-size=1400,1000",
            "--dump-dom",
            probe.resolve().as_uri(),
        ],
        timeout,
    )
    if completed.returncode != 0 or "<html" not in completed.stdout:
        raise RuntimeError(f"chromium --dump-dom failed ({completed.returncode}): {completed.stderr[-2000:]}")
    dom = completed.stdout
    root = _RootAttributes.read(dom)
    console = [
        line
        for line in completed.stderr.splitlines()
        if ":CONSOLE" in line and ("Uncaught" in line or "Error" in line or "error" in line)
    ]
    return PageReport(
        js_errors=json.loads(root.get("data-js-errors") or '["collector did not run"]'),
        console_errors=console,
        plots=json.loads(root.get("data-plots") or "{}"),
        plot_dom=_PlotDomParser.read(dom),
        page_height=int(root.get("data-page-height") or 0),
        inspected=root.get("data-inspected") == "true",
        dom=dom,
    )


def screenshot(
    html_path: Path, png_path: Path, width: int = 1400, height: int = 6000, timeout: int = 180
) -> Path:
    """A full-page PNG: the window is as tall as `height` (pass the page height to get it all)."""
    chromium = require_chromium()
    png_path.parent.mkdir(parents=True, exist_ok=True)
    completed = _run(
        chromium,
        [
            f"--virtual-time-budget={VIRTUAL_TIME_BUDGET_MS}",
            f"--window-size={width},{height}",
            f"--screenshot={png_path.resolve()}",
            html_path.resolve().as_uri(),
        ],
        timeout,
    )
    if completed.returncode != 0 or not png_path.is_file():
        raise RuntimeError(
            f"chromium --screenshot failed ({completed.returncode}): {completed.stderr[-2000:]}"
        )
    return png_path


class _RootAttributes(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.attributes: dict[str, str | None] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "html" and not self.attributes:
            self.attributes = dict(attrs)

    @classmethod
    def read(cls, dom: str) -> dict[str, str | None]:
        parser = cls()
        parser.feed(dom[: dom.find(">", dom.find("<html")) + 1])
        return parser.attributes


class _PlotDomParser(HTMLParser):
    """Counts, inside each div.plotly-graph-div, the SVG roots, trace groups and drawn marks."""

    MARK_CLASSES = frozenset({"point", "js-line", "js-fill", "hm", "bartext"})
    VOID = frozenset({"meta", "link", "br", "img", "input", "hr", "col", "area", "base", "wbr", "source"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.plots: dict[str, PlotDom] = {}
        self.stack: list[str | None] = []  # plot id owning each open element, or None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        classes = set((attributes.get("class") or "").split())
        owner = self.stack[-1] if self.stack else None
        if tag == "div" and "plotly-graph-div" in classes:
            owner = attributes.get("id") or f"plot-{len(self.plots)}"
            self.plots[owner] = PlotDom()
        if owner is not None:
            stats = self.plots[owner]
            stats.main_svg += "main-svg" in classes
            stats.traces += "trace" in classes or "hm" in classes
            stats.marks += bool(classes & self.MARK_CLASSES) or (tag == "image" and owner is not None)
        if tag not in self.VOID:
            self.stack.append(owner)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in self.VOID and self.stack:
            self.stack.pop()

    def handle_endtag(self, tag: str) -> None:
        if tag not in self.VOID and self.stack:
            self.stack.pop()

    @classmethod
    def read(cls, dom: str) -> dict[str, PlotDom]:
        parser = cls()
        parser.feed(dom)
        return parser.plots


def screenshot_full_page(html_path: Path, png_path: Path, width: int = 1400) -> tuple[PageReport, Path]:
    """Inspect the page (errors, plots, height), then screenshot all of it at `width` pixels."""
    with tempfile.TemporaryDirectory(prefix="dashboard-inspect-") as work:
        report = inspect_page(html_path, Path(work))
    height = max(report.page_height, 800) + 40
    return report, screenshot(html_path, png_path, width=width, height=height)

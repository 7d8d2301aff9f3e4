"""Benchmark the full dbt build on DuckDB at several data sizes.

For every size (number of demo leads) and run, in a fresh DuckDB file:
  1. generate the raw data (scripts/generate_demo_data.py), timed;
  2. `dbt build --full-refresh` (seeds, models, snapshots, unit and data tests), timed as a
     whole; run_results.json splits it into model time and test time (the wall-clock span
     covered by each kind of node; with several threads the two can overlap);
  3. the peak memory (max RSS) of the dbt process, exactly, from wait4(): DuckDB runs inside
     the dbt process, so this is the warehouse's memory too;
  4. the database file size before (raw only) and after the build;
  5. the lower bound: one hand-written DuckDB query computing the monthly funnel counts
     (leads, appointments, pipeline, won per month) straight from the raw tables, with the same
     memory limit and threads, and the ratio dbt build / lower bound.
The report gives the median and the spread (min-max) over the runs, the slowest models of the
largest size, the machine, and writes every measurement to a JSON file beside the Markdown.

Examples:
    python scripts/benchmark.py --leads 10000,100000 --runs 3
    python scripts/benchmark.py --leads 10000x3,100000x3,1000000x1
    DBT_DUCKDB_MEMORY_LIMIT=4GB DBT_DUCKDB_THREADS=2 python scripts/benchmark.py --leads 10000

Targets checked (issue 8): a 1,000,000-lead full build with tests under 60 s, peak memory under 4 GB.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import duckdb
from tqdm import tqdm

PROJECT_DIR = Path(__file__).resolve().parents[1]
GENERATOR = PROJECT_DIR / "scripts" / "generate_demo_data.py"
DBT = str(Path(sys.executable).with_name("dbt"))
TARGET_SECONDS = 60.0
TARGET_PEAK_BYTES = 4 * 1024**3
TARGET_LEADS = 1_000_000
MODEL_TYPES = ("model", "seed", "snapshot")
TEST_TYPES = ("test", "unit_test")

# The lower bound: the monthly funnel counts written directly against the raw tables, the least
# work any tool must do for the headline numbers. Same person and stage rules as the project's
# defaults (latest version of each record, deleted and merged rows out, a lead and its converted
# contact are one person, first meeting = appointment, pipeline = first entry into a pipeline or
# won stage, won = currently Closed Won by close month), without the audit, the breakdowns, the
# currency conversion and the tests the dbt build adds.
LOWER_BOUND_SQL = """
with leads as (
    select id, converted_contact_id, created_date
    from salesforce.lead
    where id is not null
    qualify row_number() over (partition by id order by system_modstamp desc nulls last) = 1
        and not coalesce(is_deleted, false) and not coalesce(_fivetran_deleted, false)
),
person_keys as (
    select id as person_id, id as record_id from leads
    union all
    select id, converted_contact_id from leads where converted_contact_id is not null
),
events as (
    select who_id, created_date
    from salesforce.event
    where type = 'First Meeting' and not coalesce(is_deleted, false)
),
appointments as (
    select person_keys.person_id, min(events.created_date) as reached_at
    from events inner join person_keys on events.who_id = person_keys.record_id
    group by person_keys.person_id
),
opportunities as (
    select id, contact_id, stage_name, close_date
    from salesforce.opportunity
    where id is not null
    qualify row_number() over (partition by id order by system_modstamp desc nulls last) = 1
        and not coalesce(is_deleted, false)
),
stage_entries as (
    select opportunity_id, created_date
    from salesforce.opportunity_history
    where stage_name in ('Qualification', 'Proposal', 'Negotiation', 'Closed Won')
),
pipeline as (
    select person_keys.person_id, min(stage_entries.created_date) as reached_at
    from stage_entries
    inner join opportunities on stage_entries.opportunity_id = opportunities.id
    inner join person_keys on opportunities.contact_id = person_keys.record_id
    group by person_keys.person_id
),
won as (
    select person_keys.person_id, min(opportunities.close_date) as reached_at
    from opportunities inner join person_keys on opportunities.contact_id = person_keys.record_id
    where opportunities.stage_name = 'Closed Won'
    group by person_keys.person_id
),
stages as (
    select 'lead' as stage, created_date as reached_at from leads
    union all select 'appointment', reached_at from appointments
    union all select 'pipeline', reached_at from pipeline
    union all select 'won', reached_at from won
)
select
    date_trunc('month', reached_at) as month,
    count(*) filter (where stage = 'lead') as leads,
    count(*) filter (where stage = 'appointment') as appointments,
    count(*) filter (where stage = 'pipeline') as pipeline,
    count(*) filter (where stage = 'won') as won
from stages
group by all
order by month
"""


@dataclass
class RunResult:
    leads: int
    run: int
    generate_seconds: float
    build_seconds: float
    build_returncode: int
    models_seconds: float
    tests_seconds: float
    model_count: int
    test_count: int
    peak_rss_bytes: int
    raw_file_bytes: int
    built_file_bytes: int
    raw_rows: int
    lower_bound_seconds: float
    lower_bound_peak_rss_bytes: int
    load_average_before: float = 0.0
    load_average_after: float = 0.0
    incremental_seconds: float | None = None
    slowest_nodes: list[dict] = field(default_factory=list)

    @property
    def ratio(self) -> float:
        return self.build_seconds / self.lower_bound_seconds if self.lower_bound_seconds else float("nan")


def machine() -> dict[str, object]:
    """nproc, memory, CPU model, OS and tool versions, and the DuckDB settings dbt used."""
    cpu_model = "unknown"
    with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
        for line in cpuinfo:
            if line.startswith("model name"):
                cpu_model = line.split(":", 1)[1].strip()
                break
    mem_total = 0
    with open("/proc/meminfo", encoding="utf-8") as meminfo:
        for line in meminfo:
            if line.startswith("MemTotal:"):
                mem_total = int(line.split()[1]) * 1024
    dbt_version = subprocess.run([DBT, "--version"], capture_output=True, text=True, check=False).stdout
    return {
        "nproc": os.cpu_count(),
        "sched_affinity_cpus": len(os.sched_getaffinity(0)),
        "memory_bytes": mem_total,
        "cpu_model": cpu_model,
        "os": platform.platform(),
        "python": platform.python_version(),
        "duckdb": duckdb.__version__,
        "dbt": ", ".join(
            " ".join(line.strip(" -").split(" - ")[0].split()).replace("installed:", "core:")
            for line in dbt_version.splitlines()
            if line.strip().startswith("- ") and ":" in line and "latest" not in line.split(":")[0]
        ),
        "DBT_THREADS": os.environ.get("DBT_THREADS", "2 (profiles.yml default)"),
        "DBT_DUCKDB_THREADS": os.environ.get("DBT_DUCKDB_THREADS", "2 (profiles.yml default)"),
        "DBT_DUCKDB_MEMORY_LIMIT": os.environ.get("DBT_DUCKDB_MEMORY_LIMIT", "8GB (profiles.yml default)"),
    }


def run_measured(
    command: list[str], log_path: Path, env: dict[str, str] | None = None
) -> tuple[int, float, int]:
    """Run a command; returns (exit code, wall seconds, peak RSS bytes of it and its waited children)."""
    with log_path.open("w") as log:
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=PROJECT_DIR)
        _, status, usage = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    return process.returncode, elapsed, usage.ru_maxrss * 1024  # ru_maxrss is in KiB on Linux


def file_bytes(path: Path) -> int:
    wal = path.with_name(path.name + ".wal")
    return sum(p.stat().st_size for p in (path, wal) if p.exists())


def covered_seconds(intervals: list[tuple[float, float]]) -> float:
    """Length of the union of [start, end] intervals."""
    total, current_start, current_end = 0.0, None, None
    for start, end in sorted(intervals):
        if current_end is None or start > current_end:
            if current_end is not None:
                total += current_end - current_start
            current_start, current_end = start, end
        else:
            current_end = max(current_end, end)
    if current_end is not None:
        total += current_end - current_start
    return total


def parse_run_results(path: Path) -> tuple[float, float, int, int, list[dict]]:
    """(models seconds, tests seconds, models built, tests run, slowest nodes) from run_results.json."""
    results = json.loads(path.read_text())["results"]
    spans: dict[str, list[tuple[float, float]]] = {"models": [], "tests": []}
    counts = {"models": 0, "tests": 0}
    nodes = []
    for result in results:
        kind = result["unique_id"].split(".", 1)[0]
        group = "models" if kind in MODEL_TYPES else "tests" if kind in TEST_TYPES else None
        execute = [t for t in result.get("timing", []) if t["name"] == "execute" and t.get("started_at")]
        if group:
            counts[group] += 1
            for timing in execute:
                start = dt.datetime.fromisoformat(timing["started_at"].replace("Z", "+00:00")).timestamp()
                end = dt.datetime.fromisoformat(timing["completed_at"].replace("Z", "+00:00")).timestamp()
                spans[group].append((start, end))
        nodes.append(
            {
                "unique_id": result["unique_id"],
                "seconds": result["execution_time"],
                "status": result["status"],
            }
        )
    slowest = sorted(nodes, key=lambda node: node["seconds"], reverse=True)[:15]
    return (
        covered_seconds(spans["models"]),
        covered_seconds(spans["tests"]),
        counts["models"],
        counts["tests"],
        slowest,
    )


def lower_bound(database: Path, log_path: Path) -> tuple[float, int]:
    """Time the hand-written query in a fresh process (so its peak RSS is its own)."""
    code = (
        "import duckdb, os, sys, time\n"
        "con = duckdb.connect(sys.argv[1], read_only=True, config={"
        "'memory_limit': os.environ.get('DBT_DUCKDB_MEMORY_LIMIT', '8GB'), "
        "'threads': int(os.environ.get('DBT_DUCKDB_THREADS', '2'))})\n"
        "con.execute('set enable_progress_bar = false')\n"
        "started = time.perf_counter()\n"
        "rows = con.execute(sys.stdin.read()).fetchall()\n"
        "print(f'LOWER_BOUND_SECONDS {time.perf_counter() - started:.6f} rows {len(rows)}')\n"
        "for row in rows[-3:]: print(row)\n"
    )
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-c", code, str(database)],
            stdin=subprocess.PIPE,
            stdout=log,
            stderr=subprocess.STDOUT,
            text=True,
        )
        process.stdin.write(LOWER_BOUND_SQL)
        process.stdin.close()
        _, status, usage = os.wait4(process.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"lower-bound query failed, see {log_path}")
    marker = next(
        line for line in log_path.read_text().splitlines() if line.startswith("LOWER_BOUND_SECONDS")
    )
    seconds = float(marker.split()[1])
    return seconds, usage.ru_maxrss * 1024


def measure_incremental(database: Path, work: Path, env: dict[str, str]) -> float | None:
    """HOOK (TODO, issue 8): time an incremental run once the incremental models land.

    Intended measurement: append one day of new raw rows (a generator option, or a second
    generator run with a later --end-date loaded as new _fivetran_synced rows), then time
    `dbt build` WITHOUT --full-refresh against the same file, and report it beside the full
    build. Until the incremental models are merged this returns None and the report says n/a.
    """
    del database, work, env
    return None


def count_raw_rows(database: Path) -> int:
    with duckdb.connect(str(database), read_only=True) as con:
        tables = con.execute(
            "select table_name from information_schema.tables where table_schema = 'salesforce'"
        ).fetchall()
        return sum(
            con.execute(f'select count(*) from salesforce."{name}"').fetchone()[0] for (name,) in tables
        )


def one_run(leads: int, run: int, work: Path, keep: bool) -> RunResult:
    run_dir = work / f"leads_{leads}" / f"run_{run}"
    shutil.rmtree(run_dir, ignore_errors=True)
    run_dir.mkdir(parents=True)
    database = run_dir / "warehouse.duckdb"
    env = {
        **os.environ,
        "DBT_DUCKDB_PATH": str(database),
        "DBT_PROFILES_DIR": str(PROJECT_DIR),
        "DBT_TARGET": "duckdb",
        "DO_NOT_TRACK": "1",
    }

    load_before = os.getloadavg()[0]
    code, generate_seconds, _ = run_measured(
        [sys.executable, str(GENERATOR), "--quiet", "--leads", str(leads), "--duckdb", str(database)],
        run_dir / "generate.log",
        env,
    )
    if code != 0:
        raise RuntimeError(f"generator failed, see {run_dir / 'generate.log'}")
    raw_bytes = file_bytes(database)
    raw_rows = count_raw_rows(database)

    # The lower bound reads only the raw tables: run it before dbt adds its own.
    lower_seconds, lower_rss = lower_bound(database, run_dir / "lower_bound.log")

    target_dir = run_dir / "target"
    build_code, build_seconds, peak_rss = run_measured(
        [
            DBT,
            "build",
            "--full-refresh",
            "--project-dir",
            str(PROJECT_DIR),
            "--target-path",
            str(target_dir),
            "--log-path",
            str(run_dir / "logs"),
            "--no-use-colors",
            "--no-partial-parse",
        ],
        run_dir / "build.log",
        env,
    )
    models_seconds = tests_seconds = 0.0
    model_count = test_count = 0
    slowest: list[dict] = []
    if (target_dir / "run_results.json").exists():
        models_seconds, tests_seconds, model_count, test_count, slowest = parse_run_results(
            target_dir / "run_results.json"
        )
    built_bytes = file_bytes(database)
    incremental_seconds = measure_incremental(database, run_dir, env)
    if not keep:
        for path in (database, database.with_name(database.name + ".wal")):
            path.unlink(missing_ok=True)
    return RunResult(
        leads=leads, run=run, generate_seconds=generate_seconds, build_seconds=build_seconds,
        build_returncode=build_code, models_seconds=models_seconds, tests_seconds=tests_seconds,
        model_count=model_count, test_count=test_count, peak_rss_bytes=peak_rss, raw_file_bytes=raw_bytes,
        built_file_bytes=built_bytes, raw_rows=raw_rows, lower_bound_seconds=lower_seconds,
        lower_bound_peak_rss_bytes=lower_rss, incremental_seconds=incremental_seconds, slowest_nodes=slowest,
        load_average_before=load_before, load_average_after=os.getloadavg()[0],
    )  # fmt: skip


def spread(values: list[float], fmt: str) -> str:
    """median, and (min-max) when there is more than one run."""
    median = statistics.median(values)
    text = format(median, fmt)
    if len(values) > 1:
        text += f" ({format(min(values), fmt)}-{format(max(values), fmt)})"
    return text


def gib(value: float) -> float:
    return value / 1024**3


def mib(value: float) -> float:
    return value / 1024**2


def render_markdown(results: list[RunResult], info: dict[str, object], started: str) -> str:
    sizes = sorted({r.leads for r in results})
    lines = [
        "# Benchmark results",
        "",
        f"Generated by `scripts/benchmark.py` on {started} (UTC). Median over runs, (min-max) when "
        "there was more than one run. Raw JSON beside this file.",
        "",
        "## Machine",
        "",
        "| | |",
        "|---|---|",
    ]
    for key in ("cpu_model", "nproc", "sched_affinity_cpus", "memory_bytes", "os", "python", "duckdb", "dbt"):
        value = info[key]
        if key == "memory_bytes":
            value = f"{gib(float(value)):.1f} GiB"
        lines.append(f"| {key} | {value} |")
    for key in ("DBT_THREADS", "DBT_DUCKDB_THREADS", "DBT_DUCKDB_MEMORY_LIMIT"):
        lines.append(f"| {key} | {info[key]} |")
    lines += [
        "",
        "## Full build (`dbt build --full-refresh`, DuckDB)",
        "",
        "| leads | runs | raw rows | generate s | dbt build s | models s | tests s | peak RSS GiB | "
        "raw file MiB | built file MiB | lower bound s | build / lower bound | incremental s |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for leads in sizes:
        runs = [r for r in results if r.leads == leads]
        failed = [r for r in runs if r.build_returncode != 0]
        lines.append(
            "| "
            + " | ".join(
                [
                    f"{leads:,}",
                    str(len(runs)) + (f" ({len(failed)} failed)" if failed else ""),
                    f"{runs[0].raw_rows:,}",
                    spread([r.generate_seconds for r in runs], ".1f"),
                    spread([r.build_seconds for r in runs], ".1f"),
                    spread([r.models_seconds for r in runs], ".1f"),
                    spread([r.tests_seconds for r in runs], ".1f"),
                    spread([gib(r.peak_rss_bytes) for r in runs], ".2f"),
                    spread([mib(r.raw_file_bytes) for r in runs], ".0f"),
                    spread([mib(r.built_file_bytes) for r in runs], ".0f"),
                    spread([r.lower_bound_seconds for r in runs], ".2f"),
                    spread([r.ratio for r in runs], ".0f") + "x",
                    "n/a (TODO: incremental models)"
                    if all(r.incremental_seconds is None for r in runs)
                    else spread([r.incremental_seconds or 0.0 for r in runs], ".1f"),
                ]
            )
            + " |"
        )
    lines += [
        "",
        "*models s* / *tests s*: wall-clock time during which at least one model (seed, snapshot) / "
        "test (data or unit test) was executing, from run_results.json; with several dbt threads "
        "they overlap, and *dbt build s* also holds parsing and start-up. *peak RSS*: max resident "
        "memory of the dbt process, which runs DuckDB in-process. *lower bound*: the hand-written "
        "monthly funnel query of scripts/benchmark.py on the raw tables. 1-minute load average "
        "before/after each run: "
        + ", ".join(
            f"{r.leads:,}#{r.run} {r.load_average_before:.1f}/{r.load_average_after:.1f}" for r in results
        )
        + f" (on {info['nproc']} CPUs; other work on the machine slows the numbers).",
    ]
    target_runs = [r for r in results if r.leads == TARGET_LEADS]
    if target_runs:
        build = statistics.median(r.build_seconds for r in target_runs)
        peak = statistics.median(r.peak_rss_bytes for r in target_runs)
        lines += [
            "",
            f"## Targets at {TARGET_LEADS:,} leads",
            "",
            f"- full build with tests under {TARGET_SECONDS:.0f} s: **{build:.1f} s**, "
            + ("met" if build < TARGET_SECONDS else "**missed**"),
            f"- peak memory under {gib(TARGET_PEAK_BYTES):.0f} GiB: **{gib(peak):.2f} GiB**, "
            + ("met" if peak < TARGET_PEAK_BYTES else "**missed**"),
        ]
    largest = [r for r in results if r.leads == sizes[-1]]
    slowest = min(largest, key=lambda r: r.build_seconds).slowest_nodes
    if slowest:
        lines += [
            "",
            f"## Slowest nodes at {sizes[-1]:,} leads (fastest run)",
            "",
            "| node | seconds |",
            "|---|---:|",
            *(f"| `{node['unique_id']}` | {node['seconds']:.2f} |" for node in slowest),
        ]
    return "\n".join(lines) + "\n"


def parse_sizes(text: str, default_runs: int) -> list[tuple[int, int]]:
    """'10000,100000x3,1_000_000x1' -> [(10000, default_runs), (100000, 3), (1000000, 1)]."""
    plan = []
    for item in text.split(","):
        item = item.strip().replace("_", "").lower()
        if not item:
            continue
        size, _, runs = item.partition("x")
        plan.append((int(size), int(runs) if runs else default_runs))
    return plan


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--leads",
        default="10000,100000,1000000,5000000",
        help="comma-separated data sizes in leads, each optionally with its own run count (100000x3)",
    )
    parser.add_argument("--runs", type=int, default=3, help="runs per size (default 3)")
    parser.add_argument(
        "--out", type=Path, default=PROJECT_DIR / "benchmarks" / "results.md", help="Markdown report"
    )
    parser.add_argument("--json", type=Path, help="JSON measurements (default: --out with .json)")
    parser.add_argument(
        "--work-dir", type=Path, default=Path("/tmp/revenue_funnel_benchmark"), help="scratch directory"
    )
    parser.add_argument("--keep", action="store_true", help="keep the built DuckDB files")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    plan = parse_sizes(args.leads, args.runs)
    started = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M")
    info = machine()
    results: list[RunResult] = []
    json_path = args.json or args.out.with_suffix(".json")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    json_path.parent.mkdir(parents=True, exist_ok=True)
    jobs = [(leads, run) for leads, runs in plan for run in range(1, runs + 1)]
    for leads, run in tqdm(jobs, desc="benchmark", unit="run", disable=args.quiet):
        result = one_run(leads, run, args.work_dir, args.keep)
        results.append(result)
        if not args.quiet:
            tqdm.write(
                f"{leads:>10,} leads run {run}: build {result.build_seconds:.1f}s "
                f"(exit {result.build_returncode}), peak {gib(result.peak_rss_bytes):.2f} GiB, "
                f"lower bound {result.lower_bound_seconds:.2f}s"
            )
        # Written after every run, so a long benchmark leaves its numbers even when interrupted.
        payload = {
            "started_utc": started,
            "machine": info,
            "runs": [{**asdict(r), "ratio": r.ratio} for r in results],
        }
        json_path.write_text(json.dumps(payload, indent=2) + "\n")
        args.out.write_text(render_markdown(results, info, started))
    failed = [r for r in results if r.build_returncode != 0]
    if failed:
        print(f"{len(failed)} dbt build(s) failed; see build.log under {args.work_dir}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())

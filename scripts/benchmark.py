"""Benchmark the dbt build on DuckDB at several data sizes against two bounds without dbt.

For every size (number of demo leads) and run, in a fresh DuckDB file:
  1. generate the raw data (scripts/generate_demo_data.py), timed, and hold back its last day
     of activities and stage changes (scripts/new_day.py) for the incremental run; a copy of
     this raw file, under the same file name in another folder, is kept for step 5;
  2. the lower bound, the floor of the headline numbers: one hand-written DuckDB query computing
     the monthly funnel counts (leads, appointments, pipeline, won per month) straight from the
     raw tables, in a fresh process with the profile's memory limit and threads, timed with its
     own peak RSS;
  3. `dbt parse`, timed on its own: the full parse, which the scheduled job pays only when the
     project changed (each run starts from the previous run's parse cache); every later dbt
     command of the run starts from this parse's cache;
  4. `dbt build --full-refresh --exclude-resource-type unit_test`, the build of the scheduled job
     (scripts/run_job.py): seeds, models, snapshots and data tests, timed as a whole, with the
     peak memory (max RSS) of the dbt process, exactly, from wait4() (DuckDB runs inside the dbt
     process, so this is the warehouse's memory too) and the database file size before (raw only)
     and after. run_results.json splits it into model time and test time (the wall-clock span
     covered by each kind of node; with several threads the two can overlap) and the start-up
     outside any node (loading the parse cache, connecting, the DAG: the build's wall time minus
     the span from the first node's start to the last node's end);
  5. direct SQL, the bound of the same work without dbt: every model's compiled SQL, from the
     build's manifest.json, run straight in DuckDB in dependency order on the copy of step 1
     (the seeds copied in from the built warehouse first, untimed): `create or replace view` or
     `create or replace table ... as` (an incremental model is a table on a full refresh), one
     connection in a fresh process with the profile's memory limit, threads, time zone and
     insertion order, timed with its own peak RSS. No seeds, snapshots, tests, hooks or dbt;
     build / direct SQL is the cost of orchestration and tests;
  6. the unit tests, as CI runs them, in their own `dbt test --select resource_type:unit_test`
     on the built warehouse, timed: "with unit tests" below is the build plus this step;
  7. the incremental run: the held-back day is loaded (with an edited task, a soft-deleted
     event and a late task, as in tests/python/test_incremental.py) and the same build runs
     without --full-refresh, timed, with its ratio to the full build.
The report gives the median and the spread (min-max) over the runs, the slowest models of the
largest size, the machine, and writes every measurement to a JSON file beside the Markdown
(--append adds to the runs already there, e.g. a 5M run with its own --memory-limit; runs
recorded before direct SQL was measured show it as n/a).

dbt's fixed cost: the median full build of the smallest size measured, when it is at most
10,000 leads (the lower bound there is 0.05 s: what remains is parsing, start-up and the
round trips of ~600 nodes, which do not grow with the data); otherwise the median start-up
outside nodes of that size. "net ratio" = (build - fixed cost) / lower bound.

Examples:
    python scripts/benchmark.py --leads 10000,100000 --runs 3
    python scripts/benchmark.py --leads 10000x3,100000x3,1000000x3
    python scripts/benchmark.py --leads 5000000x1 --memory-limit 6GB --append
    DBT_DUCKDB_THREADS=2 python scripts/benchmark.py --leads 10000

Targets checked (issue 17; reported with met / missed, not asserted in tests): a 1,000,000-lead
full build with tests in at most 35 s and peak memory under 3 GiB; the full build at most 1.3x
direct SQL at 1M leads and at most 4x at 10k; the incremental run at most 25% of the full build
at 1M and at most 15% at 5M; 10M leads within 10 minutes at an 8 GB memory limit; 5M leads
within 5 minutes at a 6 GB memory limit.
"""

from __future__ import annotations

import argparse
import datetime as dt
import graphlib
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

import duckdb
from new_day import SECOND_LOAD, hold_back, load_new_day
from run_job import PARSE_CACHE
from tqdm import tqdm

PROJECT_DIR = Path(__file__).resolve().parents[1]
GENERATOR = PROJECT_DIR / "scripts" / "generate_demo_data.py"
DBT = str(Path(sys.executable).with_name("dbt"))
# The issue-17 targets (render_targets).
TARGET_SECONDS = 35.0
TARGET_PEAK_BYTES = 3 * 1024**3
TARGET_LEADS = 1_000_000
# leads -> largest dbt build / direct SQL.
TARGET_DIRECT_SQL_RATIOS = {1_000_000: 1.3, 10_000: 4.0}
# leads -> largest incremental run / full build.
TARGET_INCREMENTAL_SHARES = {1_000_000: 0.25, 5_000_000: 0.15}
# leads -> (seconds, DuckDB memory limit) the full build must finish within.
TARGET_LARGE_RUNS = {5_000_000: (300.0, "6GB"), 10_000_000: (600.0, "8GB")}
FIXED_COST_MAX_LEADS = 10_000
# The generator's history ends on 2026-09-30: that day's activities are the incremental run's new day.
NEW_DAY = "2026-09-30"
# The scheduled job's build (scripts/run_job.py): unit tests run in CI, not on the data.
BUILD_ARGS = ["build", "--exclude-resource-type", "unit_test"]
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
    incremental_returncode: int | None = None
    incremental_peak_rss_bytes: int = 0
    startup_seconds: float = 0.0
    unit_test_seconds: float = 0.0
    unit_test_returncode: int = 0
    unit_test_count: int = 0
    held_back_rows: int = 0
    memory_limit: str = ""
    parse_seconds: float | None = None
    slowest_nodes: list[dict] = field(default_factory=list)
    # None: not measured (a failed build, or a run recorded before direct SQL was measured).
    direct_sql_seconds: float | None = None
    direct_sql_peak_rss_bytes: int = 0
    direct_sql_model_count: int = 0

    @property
    def ratio(self) -> float:
        return self.build_seconds / self.lower_bound_seconds if self.lower_bound_seconds else float("nan")

    @property
    def direct_sql_ratio(self) -> float | None:
        """dbt build / direct SQL: the cost of orchestration and tests."""
        return self.build_seconds / self.direct_sql_seconds if self.direct_sql_seconds else None

    @property
    def with_unit_tests_seconds(self) -> float:
        return self.build_seconds + self.unit_test_seconds

    @property
    def incremental_share(self) -> float | None:
        if self.incremental_seconds is None or not self.build_seconds:
            return None
        return self.incremental_seconds / self.build_seconds


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


def parse_run_results(path: Path) -> tuple[float, float, int, int, list[dict], float]:
    """(models s, tests s, models built, tests run, slowest nodes, first node start to last node end)."""
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
    every_span = spans["models"] + spans["tests"]
    node_span = (
        max(end for _, end in every_span) - min(start for start, _ in every_span) if every_span else 0.0
    )
    return (
        covered_seconds(spans["models"]),
        covered_seconds(spans["tests"]),
        counts["models"],
        counts["tests"],
        slowest,
        node_span,
    )


def run_python_child(
    code: str, database: Path, stdin_text: str, log_path: Path, env: dict[str, str]
) -> tuple[int, int]:
    """Run `code` in a fresh Python process on `database`, feeding it `stdin_text`, its output to
    `log_path`; returns (exit code, peak RSS bytes), the peak its own, measured exactly by wait4()."""
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-c", code, str(database)],
            stdin=subprocess.PIPE,
            stdout=log,
            stderr=subprocess.STDOUT,
            text=True,
            env=env,
        )
        process.stdin.write(stdin_text)
        process.stdin.close()
        _, status, usage = os.wait4(process.pid, 0)
    return os.waitstatus_to_exitcode(status), usage.ru_maxrss * 1024


def lower_bound(database: Path, log_path: Path, env: dict[str, str]) -> tuple[float, int]:
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
    exit_code, peak_rss = run_python_child(code, database, LOWER_BOUND_SQL, log_path, env)
    if exit_code != 0:
        raise RuntimeError(f"lower-bound query failed, see {log_path}")
    marker = next(
        line for line in log_path.read_text().splitlines() if line.startswith("LOWER_BOUND_SECONDS")
    )
    seconds = float(marker.split()[1])
    return seconds, peak_rss


# Direct SQL (step 5 of the docstring): how dbt builds each materialization, without dbt.
DIRECT_SQL_STATEMENTS = {
    "view": "create or replace view {relation} as (\n{sql}\n)",
    "table": "create or replace table {relation} as (\n{sql}\n)",
    # On a full refresh an incremental model is built as a table.
    "incremental": "create or replace table {relation} as (\n{sql}\n)",
}

# The direct-SQL process: reads the plan (JSON) from stdin, runs every model's statement on one
# connection, timed from the first statement to the close (which checkpoints the file, as the end
# of dbt's build does); stops at the first model that fails, naming it.
DIRECT_SQL_CODE = """
import duckdb, json, os, sys, time
plan = json.load(sys.stdin)
con = duckdb.connect(sys.argv[1], config={
    'memory_limit': os.environ.get('DBT_DUCKDB_MEMORY_LIMIT', '8GB'),
    'threads': int(os.environ.get('DBT_DUCKDB_THREADS', '2')),
})
# The profile's other settings, set after connecting as dbt-duckdb does.
con.execute("set TimeZone = 'UTC'")
con.execute('set preserve_insertion_order = false')
con.execute('set enable_progress_bar = false')
started = time.perf_counter()
for model in plan:
    model_started = time.perf_counter()
    try:
        con.execute(model['statement'])
    except duckdb.Error as error:
        print(f"DIRECT_SQL_FAILED {model['unique_id']}: {type(error).__name__}: {error}", flush=True)
        sys.exit(1)
    print(f"{time.perf_counter() - model_started:9.3f} s  {model['unique_id']}", flush=True)
con.close()
print(f'DIRECT_SQL_SECONDS {time.perf_counter() - started:.6f} models {len(plan)}')
"""


def quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def copy_raw(database: Path, folder: Path) -> Path:
    """Copy the raw DuckDB file (and its WAL) under the same name, which compiled SQL uses as catalog."""
    folder.mkdir(parents=True, exist_ok=True)
    copy = folder / database.name
    for path in (database, database.with_name(database.name + ".wal")):
        if path.exists():
            shutil.copyfile(path, folder / path.name)
    return copy


def remove_database(database: Path) -> None:
    for path in (database, database.with_name(database.name + ".wal")):
        path.unlink(missing_ok=True)


def direct_sql_plan(manifest: dict) -> tuple[list[dict], list[dict]]:
    """(the project's models to run, in dependency order, with their statements; the inputs to copy in).

    Models are the enabled model nodes of the manifest (every one the build builds), ordered by a
    topological sort of depends_on restricted to models; ephemeral models take part in the order
    but are not run (dbt inlines them). Inputs are the non-model, non-source nodes the models read
    (the seeds).
    """
    nodes = manifest["nodes"]
    models = {
        unique_id: node
        for unique_id, node in nodes.items()
        if node["resource_type"] == "model" and node["config"].get("enabled", True)
    }
    graph = {
        unique_id: sorted(dep for dep in node["depends_on"]["nodes"] if dep in models)
        for unique_id, node in sorted(models.items())
    }
    plan = []
    for unique_id in graphlib.TopologicalSorter(graph).static_order():
        node = models[unique_id]
        materialized = node["config"]["materialized"]
        if materialized == "ephemeral":
            continue
        if materialized not in DIRECT_SQL_STATEMENTS:
            raise RuntimeError(f"direct SQL: model {unique_id} has materialization {materialized!r}")
        if not node.get("compiled_code") or not node.get("relation_name"):
            raise RuntimeError(f"direct SQL: model {unique_id} has no compiled SQL in the build's manifest")
        statement = DIRECT_SQL_STATEMENTS[materialized].format(
            relation=node["relation_name"], sql=node["compiled_code"]
        )
        plan.append(
            {
                "unique_id": unique_id,
                "schema": [node["database"], node["schema"]],
                "statement": statement,
            }
        )
    input_ids = {
        dep
        for node in models.values()
        for dep in node["depends_on"]["nodes"]
        if dep not in models and nodes.get(dep, {}).get("resource_type") not in (None, "model", "source")
    }
    inputs = [nodes[unique_id] for unique_id in sorted(input_ids)]
    return plan, inputs


def load_inputs(copy: Path, built: Path, inputs: list[dict], plan_schemas: set[tuple[str, str]]) -> None:
    """Copy the seeds (the models' non-source inputs) from the built warehouse into the raw copy; untimed."""
    with duckdb.connect(str(copy)) as con:
        for database, schema in sorted(plan_schemas | {(n["database"], n["schema"]) for n in inputs}):
            con.execute(f"create schema if not exists {quoted(database)}.{quoted(schema)}")
        con.execute(f"attach '{built}' as benchmark_built (read_only)")
        for node in inputs:
            source = f"benchmark_built.{quoted(node['schema'])}.{quoted(node['alias'])}"
            con.execute(f"create or replace table {node['relation_name']} as select * from {source}")
        con.execute("detach benchmark_built")


def direct_sql(
    copy: Path, built: Path, manifest_path: Path, log_path: Path, env: dict[str, str]
) -> tuple[float, int, int]:
    """Run every model's compiled SQL on the raw copy; returns (seconds, peak RSS bytes, models run).

    Raises RuntimeError naming the model when one fails.
    """
    manifest = json.loads(manifest_path.read_text())
    plan, inputs = direct_sql_plan(manifest)
    load_inputs(copy, built, inputs, {tuple(model["schema"]) for model in plan})
    exit_code, peak_rss = run_python_child(DIRECT_SQL_CODE, copy, json.dumps(plan), log_path, env)
    lines = log_path.read_text().splitlines()
    failed = next((line for line in lines if line.startswith("DIRECT_SQL_FAILED")), None)
    if failed:
        raise RuntimeError(f"direct SQL failed at model {failed.split(' ', 1)[1]} (log: {log_path})")
    marker = next((line for line in lines if line.startswith("DIRECT_SQL_SECONDS")), None)
    if exit_code != 0 or marker is None:
        # Killed (e.g. out of memory): the first model without its timing line was running.
        done = {line.split()[-1] for line in lines if line.strip()}
        running = next((m["unique_id"] for m in plan if m["unique_id"] not in done), "none")
        raise RuntimeError(
            f"direct SQL process exited with {exit_code} at model {running} "
            f"(log: {log_path})"
        )
    return float(marker.split()[1]), peak_rss, len(plan)


def dbt_command(args: list[str], run_dir: Path, name: str) -> list[str]:
    """A dbt command with its own target and log folders.

    Every command but the first `dbt parse` of the run starts from that parse's cache, as the
    scheduled job starts from its previous run's (scripts/run_job.py): the full parse is timed
    once, on its own, as "parse s".
    """
    target = run_dir / f"target_{name}"
    cache = run_dir / "target_parse" / PARSE_CACHE
    if name != "parse" and cache.exists():
        target.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(cache, target / PARSE_CACHE)
    return [
        DBT,
        *args,
        "--project-dir",
        str(PROJECT_DIR),
        "--target-path",
        str(target),
        "--log-path",
        str(run_dir / f"logs_{name}"),
        "--no-use-colors",
    ]


def measure_incremental(database: Path, run_dir: Path, env: dict[str, str]) -> tuple[int, float, int]:
    """Load the held-back day into the built warehouse, then time the build without --full-refresh.

    Returns (exit code, wall seconds, peak RSS bytes) of that `dbt build`.
    """
    load_new_day(database, NEW_DAY, SECOND_LOAD)
    return run_measured(dbt_command(BUILD_ARGS, run_dir, "incremental"), run_dir / "incremental.log", env)


def count_raw_rows(database: Path) -> int:
    with duckdb.connect(str(database), read_only=True) as con:
        tables = con.execute(
            "select table_name from information_schema.tables where table_schema = 'salesforce'"
        ).fetchall()
        return sum(
            con.execute(f'select count(*) from salesforce."{name}"').fetchone()[0] for (name,) in tables
        )


def one_run(
    leads: int, run: int, work: Path, keep: bool, memory_limit: str | None, incremental: bool = True
) -> RunResult:
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
    if memory_limit:
        env["DBT_DUCKDB_MEMORY_LIMIT"] = memory_limit

    load_before = os.getloadavg()[0]
    code, generate_seconds, _ = run_measured(
        [sys.executable, str(GENERATOR), "--quiet", "--leads", str(leads), "--duckdb", str(database)],
        run_dir / "generate.log",
        env,
    )
    if code != 0:
        raise RuntimeError(f"generator failed, see {run_dir / 'generate.log'}")
    held_back_rows = hold_back(database, NEW_DAY)
    raw_bytes = file_bytes(database)
    # Direct SQL runs on this raw data; the same file name, as compiled SQL names the catalog by it.
    raw_copy = copy_raw(database, run_dir / "direct_sql")
    raw_rows = count_raw_rows(database)

    # The lower bound reads only the raw tables: run it before dbt adds its own.
    lower_seconds, lower_rss = lower_bound(database, run_dir / "lower_bound.log", env)

    parse_code, parse_seconds, _ = run_measured(
        dbt_command(["parse"], run_dir, "parse"), run_dir / "parse.log", env
    )
    if parse_code != 0:
        raise RuntimeError(f"dbt parse failed, see {run_dir / 'parse.log'}")
    build_code, build_seconds, peak_rss = run_measured(
        dbt_command([*BUILD_ARGS, "--full-refresh"], run_dir, "build"), run_dir / "build.log", env
    )
    models_seconds = tests_seconds = node_span = 0.0
    model_count = test_count = 0
    slowest: list[dict] = []
    if (run_dir / "target_build" / "run_results.json").exists():
        models_seconds, tests_seconds, model_count, test_count, slowest, node_span = parse_run_results(
            run_dir / "target_build" / "run_results.json"
        )
    built_bytes = file_bytes(database)

    direct_seconds: float | None = None
    direct_rss = direct_models = 0
    manifest = run_dir / "target_build" / "manifest.json"
    if build_code == 0 and manifest.exists():
        direct_seconds, direct_rss, direct_models = direct_sql(
            raw_copy, database, manifest, run_dir / "direct_sql.log", env
        )
    if not keep:
        remove_database(raw_copy)

    unit_code, unit_seconds, _ = run_measured(
        dbt_command(["test", "--select", "resource_type:unit_test"], run_dir, "unit_tests"),
        run_dir / "unit_tests.log",
        env,
    )
    unit_count = 0
    unit_results = run_dir / "target_unit_tests" / "run_results.json"
    if unit_results.exists():
        unit_count = len(json.loads(unit_results.read_text())["results"])

    incremental_code: int | None = None
    incremental_seconds: float | None = None
    incremental_rss = 0
    if build_code == 0 and incremental:
        incremental_code, incremental_seconds, incremental_rss = measure_incremental(database, run_dir, env)
    if not keep:
        remove_database(database)
    return RunResult(
        leads=leads, run=run, generate_seconds=generate_seconds, build_seconds=build_seconds,
        build_returncode=build_code, parse_seconds=parse_seconds, models_seconds=models_seconds,
        tests_seconds=tests_seconds,
        model_count=model_count, test_count=test_count, peak_rss_bytes=peak_rss, raw_file_bytes=raw_bytes,
        built_file_bytes=built_bytes, raw_rows=raw_rows, lower_bound_seconds=lower_seconds,
        lower_bound_peak_rss_bytes=lower_rss, incremental_seconds=incremental_seconds,
        incremental_returncode=incremental_code, incremental_peak_rss_bytes=incremental_rss,
        startup_seconds=max(build_seconds - node_span, 0.0), unit_test_seconds=unit_seconds,
        unit_test_returncode=unit_code, unit_test_count=unit_count, held_back_rows=held_back_rows,
        memory_limit=env.get("DBT_DUCKDB_MEMORY_LIMIT", "8GB (profiles.yml default)"), slowest_nodes=slowest,
        load_average_before=load_before, load_average_after=os.getloadavg()[0],
        direct_sql_seconds=direct_seconds, direct_sql_peak_rss_bytes=direct_rss,
        direct_sql_model_count=direct_models,
    )  # fmt: skip


def spread(values: list[float], fmt: str) -> str:
    """median, and (min-max) when there is more than one run."""
    median = statistics.median(values)
    text = format(median, fmt)
    if len(values) > 1:
        text += f" ({format(min(values), fmt)}-{format(max(values), fmt)})"
    return text


def spread_known(values: list[float | None], fmt: str, suffix: str = "") -> str:
    """spread() of the runs that measured the value (None: not measured); n/a when none did."""
    known = [value for value in values if value is not None]
    return spread(known, fmt) + suffix if known else "n/a"


def parse_cell(runs: list[RunResult]) -> str:
    """The full parse's spread; runs measured before it was timed on its own parsed in the build."""
    parsed = [r.parse_seconds for r in runs if r.parse_seconds is not None]
    return spread(parsed, ".1f") if parsed else "in build"


def gib(value: float) -> float:
    return value / 1024**3


def mib(value: float) -> float:
    return value / 1024**2


def fixed_cost(results: list[RunResult]) -> tuple[float, str]:
    """dbt's data-independent cost, and how it was obtained (see the module docstring)."""
    smallest = min(r.leads for r in results)
    runs = [r for r in results if r.leads == smallest and r.build_returncode == 0] or [
        r for r in results if r.leads == smallest
    ]
    if smallest <= FIXED_COST_MAX_LEADS:
        return statistics.median(r.build_seconds for r in runs), f"median full build at {smallest:,} leads"
    startup = statistics.median(r.startup_seconds for r in runs)
    return startup, f"median start-up outside nodes at {smallest:,} leads"


def net_ratio(result: RunResult, fixed: float) -> float:
    if not result.lower_bound_seconds:
        return float("nan")
    return max(result.build_seconds - fixed, 0.0) / result.lower_bound_seconds


def verdict(ok: bool, missed_by: str = "") -> str:
    """met, or missed and by how much."""
    return "met" if ok else "**missed**" + (f" by {missed_by}" if missed_by else "")


def over(value: float, limit: float, fmt: str, unit: str) -> str:
    """How far a measurement is over its limit: '4.2 s (12% over)'."""
    return f"{format(value - limit, fmt)}{unit} ({value / limit - 1:.0%} over)"


def render_markdown(results: list[RunResult], info: dict[str, object], started: str) -> str:
    sizes = sorted({r.leads for r in results})
    fixed, fixed_how = fixed_cost(results)
    lines = _machine_lines(info, started)
    lines += _full_build_lines(results, sizes)
    lines += _incremental_lines(results, sizes, info, fixed, fixed_how)
    lines += render_targets(results)
    lines += _slowest_node_lines(results, sizes)
    return "\n".join(lines) + "\n"


def _machine_lines(info: dict[str, object], started: str) -> list[str]:
    """The title and the machine table."""
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
    for key in ("DBT_THREADS", "DBT_DUCKDB_THREADS"):
        lines.append(f"| {key} | {info[key]} |")
    return lines


def _full_build_lines(results: list[RunResult], sizes: list[int]) -> list[str]:
    """The full-build table, with its two bounds, and its notes."""
    lines = [
        "",
        "## Full build (`dbt build --full-refresh --exclude-resource-type unit_test`, DuckDB)",
        "",
        "| leads | runs | DuckDB memory limit | raw rows | generate s | parse s | dbt build s "
        "| with unit tests s | models s | tests s | start-up s | peak RSS GiB | direct SQL s "
        "| direct SQL peak RSS GiB | lower bound s | build / direct SQL | build / lower bound "
        "| raw file MiB | built file MiB |",
        "|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for leads in sizes:
        runs = [r for r in results if r.leads == leads]
        failed = [r for r in runs if r.build_returncode != 0]
        direct = [r for r in runs if r.direct_sql_seconds is not None]
        lines.append(
            "| "
            + " | ".join(
                [
                    f"{leads:,}",
                    str(len(runs)) + (f" ({len(failed)} failed)" if failed else ""),
                    ", ".join(sorted({r.memory_limit for r in runs})),
                    f"{runs[0].raw_rows:,}",
                    spread([r.generate_seconds for r in runs], ".1f"),
                    parse_cell(runs),
                    spread([r.build_seconds for r in runs], ".1f"),
                    spread([r.with_unit_tests_seconds for r in runs], ".1f"),
                    spread([r.models_seconds for r in runs], ".1f"),
                    spread([r.tests_seconds for r in runs], ".1f"),
                    spread([r.startup_seconds for r in runs], ".1f"),
                    spread([gib(r.peak_rss_bytes) for r in runs], ".2f"),
                    spread_known([r.direct_sql_seconds for r in direct], ".2f"),
                    spread_known([gib(r.direct_sql_peak_rss_bytes) for r in direct], ".2f"),
                    spread([r.lower_bound_seconds for r in runs], ".2f"),
                    spread_known([r.direct_sql_ratio for r in direct], ".1f", "x"),
                    spread([r.ratio for r in runs], ".0f") + "x",
                    spread([mib(r.raw_file_bytes) for r in runs], ".0f"),
                    spread([mib(r.built_file_bytes) for r in runs], ".0f"),
                ]
            )
            + " |"
        )
    model_counts = sorted({r.direct_sql_model_count for r in results if r.direct_sql_seconds is not None})
    lines += [
        "",
        "*parse s*: dbt's full parse of the project, timed on its own (`dbt parse`) before the "
        "build; the build and the later commands start from its cache, as the scheduled job starts "
        "from its previous run's. "
        "*dbt build*: the scheduled job's build, unit tests excluded. *with unit tests*: that build "
        "plus the unit tests' own `dbt test --select resource_type:unit_test` (as CI runs them; one "
        "more start-up than a single `dbt build` with them). *models s* / *tests s*: wall-clock time "
        "during which at least one model (seed, snapshot) / data test was executing, from "
        "run_results.json; with several dbt threads they overlap. *start-up*: the build's wall time "
        "outside the span from the first node's start to the last node's end (parsing, connecting, "
        "the DAG). *peak RSS*: max resident memory of the dbt process, which runs DuckDB in-process. "
        "*direct SQL*: the compiled SQL of every model of the build ("
        + (", ".join(str(count) for count in model_counts) or "n/a")
        + " models; the build's manifest.json), run in dependency order straight in DuckDB, without "
        "dbt, on a copy of the same raw data with the seeds copied in (untimed): `create or replace "
        "view` / `create or replace table ... as` (incremental models as tables), one connection, "
        "same memory limit, threads, time zone and insertion order as the profile, timed from the "
        "first statement to the close of the file, in its own process (its peak RSS). It builds no "
        "seeds or snapshots and runs no tests or hooks. *build / direct SQL*: the cost of "
        "orchestration and tests. *lower bound*: the hand-written monthly funnel query of "
        "scripts/benchmark.py on the raw tables, one DuckDB connection, same memory limit and "
        "threads: the floor of the headline numbers. n/a: not measured (a failed build, or a run "
        "recorded before direct SQL was).",
    ]
    return lines


def _incremental_lines(
    results: list[RunResult], sizes: list[int], info: dict[str, object], fixed: float, fixed_how: str
) -> list[str]:
    """dbt's fixed cost and the incremental run: a table and its notes."""
    lines = [
        "",
        "## dbt's fixed cost and incremental run",
        "",
        f"dbt's fixed cost: **{fixed:.1f} s** ({fixed_how}).",
        "",
        "| leads | net ratio (build - fixed) / lower bound | incremental s | incremental / full build "
        "| incremental peak RSS GiB | new-day rows |",
        "|---:|---:|---:|---:|---:|---:|",
    ]
    for leads in sizes:
        runs = [r for r in results if r.leads == leads]
        incremental = [r for r in runs if r.incremental_seconds is not None]
        lines.append(
            "| "
            + " | ".join(
                [
                    f"{leads:,}",
                    spread([net_ratio(r, fixed) for r in runs], ".0f") + "x",
                    spread_known([r.incremental_seconds for r in incremental], ".1f"),
                    spread_known([100 * r.incremental_share for r in incremental], ".0f", " %"),
                    spread_known([gib(r.incremental_peak_rss_bytes) for r in incremental], ".2f"),
                    f"{runs[0].held_back_rows:,}",
                ]
            )
            + " |"
        )
    lines += [
        "",
        f"*incremental*: after the full build, the raw rows created on {NEW_DAY} (held back before "
        "it) are loaded with a later load time, with an edited task, a soft-deleted event and a "
        "late-arriving task (scripts/new_day.py), and the same build runs without --full-refresh. "
        "1-minute load average before/after each run: "
        + ", ".join(
            f"{r.leads:,}#{r.run} {r.load_average_before:.1f}/{r.load_average_after:.1f}" for r in results
        )
        + f" (on {info['nproc']} CPUs; other work on the machine slows the numbers).",
    ]
    return lines


def _slowest_node_lines(results: list[RunResult], sizes: list[int]) -> list[str]:
    """The slowest nodes of the fastest run at the largest size."""
    largest = [r for r in results if r.leads == sizes[-1]]
    slowest = min(largest, key=lambda r: r.build_seconds).slowest_nodes
    if not slowest:
        return []
    return [
        "",
        f"## Slowest nodes at {sizes[-1]:,} leads (fastest run)",
        "",
        "| node | seconds |",
        "|---|---:|",
        *(f"| `{node['unique_id']}` | {node['seconds']:.2f} |" for node in slowest),
    ]


def render_targets(results: list[RunResult]) -> list[str]:
    """The issue-17 targets with the measured median and met / missed (by how much), for the sizes run."""
    lines: list[str] = []

    def runs_at(leads: int) -> list[RunResult]:
        return [r for r in results if r.leads == leads]

    target_runs = runs_at(TARGET_LEADS)
    if target_runs:
        build = statistics.median(r.build_seconds for r in target_runs)
        with_unit = statistics.median(r.with_unit_tests_seconds for r in target_runs)
        peak = gib(statistics.median(r.peak_rss_bytes for r in target_runs))
        peak_limit = gib(TARGET_PEAK_BYTES)
        lines += [
            f"- {TARGET_LEADS:,} leads, full build with tests in at most {TARGET_SECONDS:.0f} s: "
            f"**{build:.1f} s** without unit tests, "
            f"{verdict(build <= TARGET_SECONDS, over(build, TARGET_SECONDS, '.1f', ' s'))}; "
            f"**{with_unit:.1f} s** with them, "
            f"{verdict(with_unit <= TARGET_SECONDS, over(with_unit, TARGET_SECONDS, '.1f', ' s'))}",
            f"- {TARGET_LEADS:,} leads, peak memory under {peak_limit:.0f} GiB: **{peak:.2f} GiB**, "
            f"{verdict(peak < peak_limit, over(peak, peak_limit, '.2f', ' GiB'))}",
        ]
    for leads, limit in sorted(TARGET_DIRECT_SQL_RATIOS.items(), reverse=True):
        runs = [r for r in runs_at(leads) if r.direct_sql_ratio is not None]
        if not runs:
            if runs_at(leads):
                lines.append(f"- {leads:,} leads, dbt build at most {limit:g}x direct SQL: not measured")
            continue
        ratio = statistics.median(r.direct_sql_ratio for r in runs)
        build = statistics.median(r.build_seconds for r in runs)
        direct = statistics.median(r.direct_sql_seconds for r in runs)
        missed_by = (
            f"{ratio - limit:.1f}x: the build needs {build - limit * direct:.1f} s "
            f"({1 - limit / ratio:.0%}) less to meet it"
        )
        lines.append(
            f"- {leads:,} leads, dbt build at most {limit:g}x direct SQL (the cost of orchestration "
            f"and tests): **{ratio:.2f}x** ({build:.1f} s / {direct:.2f} s), "
            f"{verdict(ratio <= limit, missed_by)}"
        )
    for leads, limit in sorted(TARGET_INCREMENTAL_SHARES.items()):
        shares = [r.incremental_share for r in runs_at(leads) if r.incremental_share is not None]
        if shares:
            share = statistics.median(shares)
            points = f"{100 * (share - limit):.0f} percentage points"
            lines.append(
                f"- {leads:,} leads, incremental run at most {limit:.0%} of the full build: "
                f"**{share:.0%}**, {verdict(share <= limit, points)}"
            )
    for leads, (seconds, memory_limit) in sorted(TARGET_LARGE_RUNS.items()):
        runs = runs_at(leads)
        if not runs:
            continue
        worst = max(runs, key=lambda r: (r.build_returncode != 0, r.build_seconds))
        problems = []
        if worst.build_returncode != 0:
            problems.append(f"the build failed (exit {worst.build_returncode})")
        if worst.build_seconds > seconds:
            problems.append("over by " + over(worst.build_seconds, seconds, ".0f", " s"))
        if worst.memory_limit.split(" ")[0] != memory_limit:
            problems.append(f"run at a {worst.memory_limit or 'unrecorded'} limit, not {memory_limit}")
        lines.append(
            f"- {leads:,} leads within {seconds / 60:.0f} minutes at a {memory_limit} memory limit: "
            f"**{worst.build_seconds:.0f} s** at {worst.memory_limit}, exit {worst.build_returncode}, "
            f"peak {gib(worst.peak_rss_bytes):.2f} GiB, "
            + ("met" if not problems else "**missed**: " + "; ".join(problems))
        )
    if not lines:
        return []
    return [
        "",
        "## Targets (issue 17)",
        "",
        "Medians over the runs (the slowest run for the large sizes); reported here, not asserted in tests.",
        "",
        *lines,
    ]


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
    parser.add_argument(
        "--memory-limit",
        help="DuckDB memory limit for dbt and the lower bound, e.g. 6GB (default: $DBT_DUCKDB_MEMORY_LIMIT "
        "or the profile's 8GB)",
    )
    parser.add_argument(
        "--append", action="store_true", help="add these runs to those already in the JSON, re-render"
    )
    parser.add_argument(
        "--no-incremental", action="store_true", help="skip the incremental run (e.g. for a long 5M run)"
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
    if args.append and json_path.exists():
        previous = json.loads(json_path.read_text())
        started = previous.get("started_utc", started)
        known = {f.name for f in fields(RunResult)}
        results = [RunResult(**{k: v for k, v in run.items() if k in known}) for run in previous["runs"]]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    json_path.parent.mkdir(parents=True, exist_ok=True)
    jobs = [(leads, run) for leads, runs in plan for run in range(1, runs + 1)]
    for leads, run in tqdm(jobs, desc="benchmark", unit="run", disable=args.quiet):
        result = one_run(leads, run, args.work_dir, args.keep, args.memory_limit, not args.no_incremental)
        results.append(result)
        if not args.quiet:
            tqdm.write(
                f"{leads:>10,} leads run {run}: build {result.build_seconds:.1f}s "
                f"(exit {result.build_returncode}), peak {gib(result.peak_rss_bytes):.2f} GiB, "
                f"direct SQL {result.direct_sql_seconds or float('nan'):.2f}s, "
                f"lower bound {result.lower_bound_seconds:.2f}s, unit tests {result.unit_test_seconds:.1f}s, "
                f"incremental {result.incremental_seconds or float('nan'):.1f}s"
            )
        # Written after every run, so a long benchmark leaves its numbers even when interrupted.
        payload = {
            "started_utc": started,
            "machine": info,
            "runs": [
                {
                    **asdict(r),
                    "ratio": r.ratio,
                    "direct_sql_ratio": r.direct_sql_ratio,
                    "with_unit_tests_seconds": r.with_unit_tests_seconds,
                    "incremental_share": r.incremental_share,
                }
                for r in results
            ],
        }
        json_path.write_text(json.dumps(payload, indent=2) + "\n")
        args.out.write_text(render_markdown(results, info, started))
    failed = [
        r
        for r in results
        if r.build_returncode != 0 or r.unit_test_returncode != 0 or r.incremental_returncode not in (0, None)
    ]
    if failed:
        print(f"{len(failed)} dbt build(s) failed; see build.log under {args.work_dir}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())

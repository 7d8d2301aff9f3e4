"""The scheduled job: freshness gate, dbt build, and publication for readers.

Readers (BI tools) never open the build file. They read the published copy,
which is replaced atomically only after a run in which every step passed, so
a reader never sees a half-built or failed build and never blocks the build.

Exit codes, for a scheduler to act on:
   0  success, published
  10  a source is stale (freshness error): nothing built, last publication kept
  20  dbt build failed (failing tests or models are listed): last publication kept
  30  DuckDB ran out of memory: raise DBT_DUCKDB_MEMORY_LIMIT (or lower DBT_DUCKDB_THREADS)
  40  the build file stayed locked by another process past the retries
  75  another run of this job holds the job lock: refused, nothing done
   1  anything else (see the run's log)
"""

from __future__ import annotations

import argparse
import ctypes
import datetime as dt
import fcntl
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import yaml

PROJECT_DIR = Path(__file__).resolve().parents[1]

EXIT_OK = 0
EXIT_STALE = 10
EXIT_BUILD_FAILED = 20
EXIT_OUT_OF_MEMORY = 30
EXIT_LOCK_TIMEOUT = 40
EXIT_ALREADY_RUNNING = 75
EXIT_OTHER = 1

# Vars the sources YAML renders straight into SQL (relation names, the freshness column):
# `dbt source freshness` runs that SQL before any model validates them, so the job does.
SOURCE_SQL_VARS = ("salesforce_database", "salesforce_schema", "salesforce_loaded_at_field")
IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")

LOCK_MARKERS = ("Could not set lock on file", "Conflicting lock is held")
OOM_MARKERS = ("Out of Memory Error", "OutOfMemoryException", "could not allocate block")


@dataclass
class JobConfig:
    build_database: Path
    publish_dir: Path
    runs_dir: Path
    target: str = "duckdb"
    lock_retries: int = 5
    lock_backoff_seconds: float = 2.0
    skip_freshness: bool = False
    full_refresh: bool = False
    unit_tests: bool = False
    extra_vars: str | None = None
    dbt_executable: str = field(default_factory=lambda: str(Path(sys.executable).with_name("dbt")))


@dataclass
class StepResult:
    returncode: int
    output: str


class JobError(Exception):
    def __init__(self, exit_code: int, message: str) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def die_with_parent(parent_pid: int) -> None:
    """In the dbt child, before exec: ask Linux to SIGKILL it when the job process dies.

    A scheduler that kills the job (even with SIGKILL, which the job cannot trap) must not
    leave an orphaned dbt writing the build file and holding its lock for the next run.
    """
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return
    if os.getppid() != parent_pid:  # the job died before prctl took effect
        os._exit(1)


PARSE_CACHE = "partial_parse.msgpack"


def reuse_parse_cache(runs_dir: Path, run_dir: Path) -> None:
    """Start the run with the newest earlier run's parse cache, so dbt parses only what changed.

    dbt checks the cache itself (file hashes, vars, profile, the env vars the project reads,
    dbt's version) and parses everything again when it does not match; a full parse of this
    project costs seconds on every run.
    """
    earlier = sorted(
        (path for path in runs_dir.glob(f"*/target/{PARSE_CACHE}") if path.parents[1] != run_dir),
        key=lambda path: path.parents[1].name,
    )
    if earlier:
        (run_dir / "target").mkdir(exist_ok=True)
        shutil.copyfile(earlier[-1], run_dir / "target" / PARSE_CACHE)


def run_dbt(config: JobConfig, run_dir: Path, args: list[str]) -> StepResult:
    """Run one dbt command with its artifacts and logs kept in the run's folder."""
    env = {
        **os.environ,
        "DBT_DUCKDB_PATH": str(config.build_database),
        "DBT_PROFILES_DIR": str(PROJECT_DIR),
        "DBT_TARGET": config.target,
        "DO_NOT_TRACK": "1",
    }
    command = [
        config.dbt_executable,
        *args,
        "--project-dir",
        str(PROJECT_DIR),
        "--target-path",
        str(run_dir / "target"),
        "--log-path",
        str(run_dir),
        "--no-use-colors",
    ]
    if config.extra_vars:
        command += ["--vars", config.extra_vars]
    job_pid = os.getpid()
    completed = subprocess.run(
        command,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        preexec_fn=lambda: die_with_parent(job_pid),  # safe: the job is single-threaded
    )
    output = completed.stdout + completed.stderr
    with (run_dir / "job.log").open("a") as log:
        log.write(f"$ {' '.join(command)}\n{output}\n")
    return StepResult(completed.returncode, output)


def run_with_lock_retries(config: JobConfig, run_dir: Path, args: list[str]) -> StepResult:
    """Retry a dbt step with exponential back-off while a reader holds the build file."""
    delay = config.lock_backoff_seconds
    for attempt in range(config.lock_retries + 1):
        result = run_dbt(config, run_dir, args)
        if result.returncode == 0 or not any(marker in result.output for marker in LOCK_MARKERS):
            return result
        if attempt < config.lock_retries:
            log(run_dir, f"build file locked by another process; retry {attempt + 1} in {delay:.0f}s")
            time.sleep(delay)
            delay *= 2
    raise JobError(
        EXIT_LOCK_TIMEOUT,
        f"{config.build_database} stayed locked by another process after {config.lock_retries} retries; "
        "close the program holding it (BI tools must read the published copy, not the build file)",
    )


def check_source_vars(extra_vars: str | None) -> None:
    """Refuse --vars whose source location or freshness column is not a plain identifier."""
    if not extra_vars:
        return
    try:
        parsed = yaml.safe_load(extra_vars)
    except yaml.YAMLError as error:
        raise JobError(EXIT_OTHER, f"--vars is not valid YAML, nothing run: {error}") from error
    if not isinstance(parsed, dict):
        raise JobError(EXIT_OTHER, "--vars must be a YAML mapping of var names to values, nothing run")
    for name in SOURCE_SQL_VARS:
        value = parsed.get(name)
        if value is not None and not IDENTIFIER.fullmatch(str(value)):
            raise JobError(EXIT_OTHER, f"var '{name}' must be a plain identifier, got {value!r}; nothing run")


def check_out_of_memory(result: StepResult) -> None:
    if any(marker in result.output for marker in OOM_MARKERS):
        limit = os.environ.get("DBT_DUCKDB_MEMORY_LIMIT", "8GB (profiles.yml default)")
        raise JobError(
            EXIT_OUT_OF_MEMORY,
            f"DuckDB ran out of memory at memory_limit={limit}: raise DBT_DUCKDB_MEMORY_LIMIT "
            "or lower DBT_DUCKDB_THREADS and run again",
        )


def failed_nodes(run_dir: Path) -> list[str]:
    results_file = run_dir / "target" / "run_results.json"
    if not results_file.exists():
        return []
    results = json.loads(results_file.read_text())["results"]
    return sorted(
        f"{result['unique_id']} ({result['status']})"
        for result in results
        if result["status"] in {"error", "fail", "runtime error"}
    )


def stale_sources(run_dir: Path) -> list[str]:
    sources_file = run_dir / "target" / "sources.json"
    if not sources_file.exists():
        return []
    results = json.loads(sources_file.read_text())["results"]
    return sorted(
        f"{result['unique_id']} ({result['status']})"
        for result in results
        if result["status"] in {"error", "runtime error"}
    )


def publish(config: JobConfig, run_dir: Path) -> Path:
    """Copy the finished build to the publication folder and swap it in atomically.

    A reader holding the old published file keeps reading the old copy (same
    inode) until it reconnects; new connections see the new copy. Marts are
    also exported as Parquet, swapped in as a whole folder.
    """
    config.publish_dir.mkdir(parents=True, exist_ok=True)
    published = config.publish_dir / config.build_database.name
    staging_copy = published.with_name(published.name + ".incoming")
    shutil.copyfile(config.build_database, staging_copy)
    parquet_incoming = config.publish_dir / "parquet.incoming"
    shutil.rmtree(parquet_incoming, ignore_errors=True)
    parquet_incoming.mkdir()
    with duckdb.connect(str(staging_copy), read_only=True) as con:
        marts = [
            row[0]
            for row in con.execute(
                "select table_name from information_schema.tables "
                "where table_schema = 'main' and (table_name like 'fct\\_%' escape '\\' "
                "or table_name like 'dim\\_%' escape '\\')"
            ).fetchall()
        ]
        for table in marts:
            con.execute(
                f"copy (select * from \"{table}\") to '{parquet_incoming / table}.parquet' (format parquet)"
            )
    os.replace(staging_copy, published)
    parquet_dir = config.publish_dir / "parquet"
    parquet_previous = config.publish_dir / "parquet.previous"
    shutil.rmtree(parquet_previous, ignore_errors=True)
    if parquet_dir.exists():
        os.replace(parquet_dir, parquet_previous)
    os.replace(parquet_incoming, parquet_dir)
    shutil.rmtree(parquet_previous, ignore_errors=True)
    (config.publish_dir / "published.json").write_text(
        json.dumps(
            {
                "published_at": dt.datetime.now(dt.UTC).isoformat(),
                "run": run_dir.name,
                "marts": sorted(marts),
            },
            indent=2,
        )
    )
    log(run_dir, f"published {published} and {len(marts)} Parquet marts")
    return published


def log(run_dir: Path, message: str) -> None:
    line = f"{dt.datetime.now(dt.UTC).isoformat(timespec='seconds')} {message}"
    print(line, flush=True)
    with (run_dir / "job.log").open("a") as handle:
        handle.write(line + "\n")


def run_job(config: JobConfig) -> int:
    os.umask(0o077)
    config.runs_dir.mkdir(parents=True, exist_ok=True)
    lock_file = (config.runs_dir / "job.lock").open("w")
    try:
        fcntl.flock(lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        print("another run of the job is in progress (job.lock is held); refusing to start", file=sys.stderr)
        return EXIT_ALREADY_RUNNING
    run_dir = config.runs_dir / dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")
    run_dir.mkdir(parents=True)
    reuse_parse_cache(config.runs_dir, run_dir)
    summary: dict[str, object] = {"run": run_dir.name, "build_database": str(config.build_database)}
    exit_code = EXIT_OTHER
    try:
        check_source_vars(config.extra_vars)
        if not config.skip_freshness:
            log(run_dir, "checking source freshness")
            freshness = run_with_lock_retries(config, run_dir, ["source", "freshness"])
            check_out_of_memory(freshness)
            if freshness.returncode != 0:
                stale = stale_sources(run_dir)
                if stale:
                    raise JobError(EXIT_STALE, "stale sources, nothing built: " + ", ".join(stale))
                raise JobError(EXIT_OTHER, "dbt source freshness failed; see job.log")
        log(run_dir, "dbt build")
        build_args = ["build", *(["--full-refresh"] if config.full_refresh else [])]
        # Unit tests check SQL logic on fixtures, not the day's data: they gate changes in CI
        # (make test), and skipping them here saves their fixed cost on every scheduled run.
        if not config.unit_tests:
            build_args += ["--exclude-resource-type", "unit_test"]
        build = run_with_lock_retries(config, run_dir, build_args)
        check_out_of_memory(build)
        if build.returncode != 0:
            failures = failed_nodes(run_dir)
            raise JobError(
                EXIT_BUILD_FAILED,
                "dbt build failed, publication unchanged: " + (", ".join(failures) or "see job.log"),
            )
        if config.target == "duckdb":
            summary["published"] = str(publish(config, run_dir))
        exit_code = EXIT_OK
        log(run_dir, "job succeeded")
    except JobError as error:
        exit_code = error.exit_code
        log(run_dir, f"job failed (exit {exit_code}): {error}")
        print(str(error), file=sys.stderr)
    finally:
        summary["exit_code"] = exit_code
        (run_dir / "job.json").write_text(json.dumps(summary, indent=2))
        fcntl.flock(lock_file, fcntl.LOCK_UN)
        lock_file.close()
    return exit_code


def parse_args(argv: list[str] | None = None) -> JobConfig:
    parser = argparse.ArgumentParser(
        description="Scheduled run: freshness gate, dbt build, atomic publication for BI readers.",
        epilog=__doc__.split("Exit codes", 1)[1] if __doc__ else None,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--build-database",
        type=Path,
        default=Path(os.environ.get("DBT_DUCKDB_PATH", PROJECT_DIR / "revenue_funnel.duckdb")),
        help="DuckDB file dbt builds into (default: $DBT_DUCKDB_PATH or revenue_funnel.duckdb)",
    )
    parser.add_argument(
        "--publish-dir", type=Path, default=PROJECT_DIR / "publish", help="where readers find the marts"
    )
    parser.add_argument(
        "--runs-dir", type=Path, default=PROJECT_DIR / "runs", help="logs and artifacts per run"
    )
    parser.add_argument("--target", default=os.environ.get("DBT_TARGET", "duckdb"), help="dbt target")
    parser.add_argument("--lock-retries", type=int, default=5, help="retries while the build file is locked")
    parser.add_argument("--lock-backoff-seconds", type=float, default=2.0, help="first back-off, doubling")
    parser.add_argument("--skip-freshness", action="store_true", help="do not gate on source freshness")
    parser.add_argument("--full-refresh", action="store_true", help="rebuild incremental models from scratch")
    parser.add_argument(
        "--unit-tests", action="store_true", help="also run the unit tests (CI runs them; default: excluded)"
    )
    parser.add_argument("--vars", dest="extra_vars", help="dbt --vars YAML, passed through")
    args = parser.parse_args(argv)
    return JobConfig(
        build_database=args.build_database.resolve(),
        publish_dir=args.publish_dir.resolve(),
        runs_dir=args.runs_dir.resolve(),
        target=args.target,
        lock_retries=args.lock_retries,
        lock_backoff_seconds=args.lock_backoff_seconds,
        skip_freshness=args.skip_freshness,
        full_refresh=args.full_refresh,
        unit_tests=args.unit_tests,
        extra_vars=args.extra_vars,
    )


if __name__ == "__main__":
    sys.exit(run_job(parse_args()))

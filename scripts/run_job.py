"""The scheduled job: freshness gate, dbt build, audit, and publication for readers.

Write-audit-publish: dbt builds into the build file; the public marts are copied into a
new publication, audited against invariants and the last publication (the gates), and only
then switched in with one rename (see publication.py). Readers (BI tools) never open the
build file, never see a half-built, failed or implausible build, and never block the build.

It runs this project, or with --project-dir any dbt project that installs revenue_funnel as a
package: the whole project is built, the package's public marts are published.

Exit codes, for a scheduler to act on (the last publication is kept on every failure):
   0  success, published
   1  anything else (see the run's job.log)
   2  configuration refused before anything ran (missing build file, bad --vars)
  10  a source is stale (freshness error): nothing built
  20  dbt build failed (failing tests or models are listed)
  30  DuckDB ran out of memory: raise DBT_DUCKDB_MEMORY_LIMIT (or lower DBT_DUCKDB_THREADS)
  40  the build file stayed locked by another process past the retries
  50  a publication gate failed (the check is named); --accept-changes accepts a real jump
  60  no space left on the device (build or publish side)
  61  the build file is corrupt or not a DuckDB file
  75  another job holds this runs folder or this publish folder: refused, nothing done
 130  stopped by SIGINT; 143 stopped by SIGTERM (dbt stopped, job.json written)
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

import yaml
from publication import GateSettings, Permissions, PublishError, public_marts, publish

PROJECT_DIR = Path(__file__).resolve().parents[1]

EXIT_OK = 0
EXIT_OTHER = 1
EXIT_CONFIG = 2
EXIT_STALE = 10
EXIT_BUILD_FAILED = 20
EXIT_OUT_OF_MEMORY = 30
EXIT_LOCK_TIMEOUT = 40
EXIT_GATE = 50
EXIT_DISK_FULL = 60
EXIT_CORRUPT = 61
EXIT_ALREADY_RUNNING = 75
PUBLISH_EXIT_CODES = {"gate": EXIT_GATE, "disk_full": EXIT_DISK_FULL, "io": EXIT_OTHER}

# Vars the sources YAML renders straight into SQL (relation names, the freshness column):
# `dbt source freshness` runs that SQL before any model validates them, so the job does.
SOURCE_SQL_VARS = ("salesforce_database", "salesforce_schema", "salesforce_loaded_at_field")
IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")

LOCK_MARKERS = ("Could not set lock on file", "Conflicting lock is held")
OOM_MARKERS = ("Out of Memory Error", "OutOfMemoryException", "could not allocate block")
DISK_FULL_MARKERS = ("No space left on device", "disk is full", "Disk is full")
CORRUPT_MARKERS = ("not a valid DuckDB database file", "Corrupt database file", "database file is corrupt")
# dbt's per-node result lines: "12 of 640 OK created sql table model main.x ... [OK in 0.1s]"
NODE_RESULT = re.compile(r"\b(\d+) of (\d+) (OK|PASS|WARN|ERROR|FAIL|SKIP)\b")
PROGRESS_STEPS = 10  # a console line each tenth of the nodes, and every warning or error at once


@dataclass
class JobConfig:
    build_database: Path
    publish_dir: Path
    runs_dir: Path
    target: str | None = None  # the profile's default target when None
    lock_retries: int = 5
    lock_backoff_seconds: float = 2.0
    skip_freshness: bool = False
    full_refresh: bool = False
    unit_tests: bool = False
    extra_vars: str | None = None
    gates: GateSettings = field(default_factory=GateSettings)
    permissions: Permissions = field(default_factory=Permissions)
    keep_versions: int = 2
    dbt_executable: str = field(default_factory=lambda: str(Path(sys.executable).with_name("dbt")))
    project_dir: Path = PROJECT_DIR
    profiles_dir: Path | None = None


def profiles_dir_for(project_dir: Path, explicit: Path | None) -> Path:
    """Where dbt finds the profile: --profiles-dir, else the project's own profiles.yml (this
    project has one), else $DBT_PROFILES_DIR, else dbt's default ~/.dbt."""
    if explicit is not None:
        return explicit
    if (project_dir / "profiles.yml").is_file():
        return project_dir
    if os.environ.get("DBT_PROFILES_DIR"):
        return Path(os.environ["DBT_PROFILES_DIR"])
    return Path.home() / ".dbt"


@dataclass
class StepResult:
    returncode: int
    output: str


class JobError(Exception):
    def __init__(self, exit_code: int, message: str) -> None:
        super().__init__(message)
        self.exit_code = exit_code


class Stopped(BaseException):
    """SIGTERM or SIGINT arrived: stop dbt, keep the publication, report, exit 128 + signal."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def raise_stopped(signum: int, _frame: object) -> None:
    raise Stopped(signum)


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
    """Run one dbt command with its artifacts and logs kept in the run's folder.

    dbt runs in the build file's folder and opens the file by its name (DBT_DUCKDB_PATH): the
    profile dbt hashes into its saved parse then does not depend on where the job's folders are,
    so a job moved or copied elsewhere still starts from its previous run's parse. Every other
    path dbt gets is absolute.
    """
    env = {
        **os.environ,
        "DBT_DUCKDB_PATH": config.build_database.name,
        "DBT_PROFILES_DIR": str(profiles_dir_for(config.project_dir, config.profiles_dir).resolve()),
        "DO_NOT_TRACK": "1",
    }
    command = [
        config.dbt_executable,
        *args,
        "--project-dir",
        str(config.project_dir),
        "--target-path",
        str(run_dir / "target"),
        "--log-path",
        str(run_dir),
        "--no-use-colors",
        *(["--target", config.target] if config.target else []),
    ]
    if config.extra_vars:
        command += ["--vars", config.extra_vars]
    job_pid = os.getpid()
    lines: list[str] = []
    config.build_database.parent.mkdir(parents=True, exist_ok=True)
    with (run_dir / "job.log").open("a") as job_log:
        job_log.write(f"$ {' '.join(command)}\n")
        process = subprocess.Popen(
            command,
            env=env,
            cwd=config.build_database.parent,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            errors="replace",
            preexec_fn=lambda: die_with_parent(job_pid),  # safe: the job is single-threaded
        )
        try:
            progress = Progress(run_dir, args[0])
            assert process.stdout is not None
            for line in process.stdout:
                lines.append(line)
                job_log.write(line)
                progress.see(line)
            returncode = process.wait()
        except BaseException:
            stop_child(process)
            raise
    return StepResult(returncode, "".join(lines))


def stop_child(process: subprocess.Popen) -> None:
    """Stop dbt the way a scheduler stops the job: SIGTERM, then SIGKILL after 30 seconds."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


class Progress:
    """A console line per tenth of dbt's nodes, and each warning or error as it happens."""

    def __init__(self, run_dir: Path, command: str) -> None:
        self.run_dir, self.command, self.next_step, self.warnings, self.errors = run_dir, command, 1, 0, 0

    def see(self, line: str) -> None:
        match = NODE_RESULT.search(line)
        if not match:
            return
        done, total, status = int(match[1]), int(match[2]), match[3]
        if status == "WARN":
            self.warnings += 1
        if status in {"ERROR", "FAIL"}:
            self.errors += 1
        if status in {"WARN", "ERROR", "FAIL"}:
            log(self.run_dir, f"dbt {self.command}: {line.strip()[line.strip().find(match[0]) :]}")
        if done * PROGRESS_STEPS >= self.next_step * total:
            self.next_step = done * PROGRESS_STEPS // total + 1
            log(
                self.run_dir,
                f"dbt {self.command}: {done}/{total} nodes done, "
                f"{self.warnings} warnings, {self.errors} errors",
            )


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
        raise JobError(EXIT_CONFIG, f"--vars is not valid YAML, nothing run: {error}") from error
    if not isinstance(parsed, dict):
        raise JobError(EXIT_CONFIG, "--vars must be a YAML mapping of var names to values, nothing run")
    for name in SOURCE_SQL_VARS:
        value = parsed.get(name)
        if value is not None and not IDENTIFIER.fullmatch(str(value)):
            raise JobError(
                EXIT_CONFIG, f"var '{name}' must be a plain identifier, got {value!r}; nothing run"
            )


def check_build_database(config: JobConfig) -> None:
    """Refuse a missing build file (dbt would create an empty one) and make it owner-only."""
    path = config.build_database
    if not path.is_file():
        raise JobError(
            EXIT_CONFIG,
            f"build database {path} does not exist; it must hold the raw Salesforce tables "
            "(check --build-database or DBT_DUCKDB_PATH); nothing run, no file created",
        )
    for file in (path, path.with_name(path.name + ".wal")):  # the raw tables hold PII
        if file.exists() and file.stat().st_mode & 0o077:
            file.chmod(0o600)


def check_resources(result: StepResult, config: JobConfig) -> None:
    """Exit codes for what is not a failing model or test: disk full, corrupt file, memory."""
    if any(marker in result.output for marker in DISK_FULL_MARKERS):
        raise JobError(
            EXIT_DISK_FULL,
            f"no space left on the device while dbt wrote {config.build_database}: "
            "free space there and run again",
        )
    if any(marker in result.output for marker in CORRUPT_MARKERS):
        raise JobError(
            EXIT_CORRUPT,
            f"the build file {config.build_database} is corrupt or not a DuckDB file: restore it from a "
            "backup or load the raw data into a new file; nothing built",
        )
    if any(marker in result.output for marker in OOM_MARKERS):
        limit = os.environ.get("DBT_DUCKDB_MEMORY_LIMIT", "8GB (profiles.yml default)")
        raise JobError(
            EXIT_OUT_OF_MEMORY,
            f"DuckDB ran out of memory at memory_limit={limit}: raise DBT_DUCKDB_MEMORY_LIMIT "
            "or lower DBT_DUCKDB_THREADS and run again",
        )


def nodes_with_status(run_dir: Path, statuses: set[str], detail: str) -> list[str]:
    """The nodes of the last dbt run whose status is in `statuses`, each with its
    failing-row count (detail "rows") or its status (detail "status")."""
    results_file = run_dir / "target" / "run_results.json"
    if not results_file.exists():
        return []
    results = json.loads(results_file.read_text())["results"]

    def described(result: dict) -> str:
        if detail == "status":
            return f"{result['unique_id']} ({result['status']})"
        rows = result.get("failures") or 0
        return f"{result['unique_id']} ({rows} row{'' if rows == 1 else 's'})"

    return sorted(described(result) for result in results if result["status"] in statuses)


def warned_nodes(run_dir: Path) -> list[str]:
    return nodes_with_status(run_dir, {"warn"}, "rows")


def failed_nodes(run_dir: Path) -> list[str]:
    return nodes_with_status(run_dir, {"error", "fail", "runtime error"}, "status")


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


def log(run_dir: Path, message: str) -> None:
    line = f"{dt.datetime.now(dt.UTC).isoformat(timespec='seconds')} {message}"
    print(line, flush=True)
    with (run_dir / "job.log").open("a") as handle:
        handle.write(line + "\n")


def take_lock(path: Path, what: str):
    """An exclusive flock on `path`, or None when another job holds it."""
    handle = path.open("w")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        print(
            f"another run of the job is in progress ({what} {path} is held); refusing to start",
            file=sys.stderr,
        )
        return None
    return handle


def build_and_publish(config: JobConfig, run_dir: Path, summary: dict[str, object]) -> None:
    check_source_vars(config.extra_vars)
    check_build_database(config)
    if not config.skip_freshness:
        log(run_dir, "checking source freshness")
        # The package's own raw tables: a host project's other sources are not this job's gate.
        freshness = run_with_lock_retries(
            config, run_dir, ["source", "freshness", "--select", "package:revenue_funnel"]
        )
        check_resources(freshness, config)
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
    check_resources(build, config)
    warnings = warned_nodes(run_dir)
    summary["warning_count"], summary["warnings"] = len(warnings), warnings
    if warnings:
        log(run_dir, f"{len(warnings)} dbt warnings: " + ", ".join(warnings))
    if build.returncode != 0:
        failures = failed_nodes(run_dir)
        raise JobError(
            EXIT_BUILD_FAILED,
            "dbt build failed, publication unchanged: " + (", ".join(failures) or "see job.log"),
        )
    manifest_file = run_dir / "target" / "manifest.json"
    if json.loads(manifest_file.read_text())["metadata"].get("adapter_type") != "duckdb":
        return  # the publication is a DuckDB file: other warehouses' BI tools read the marts in place
    log(run_dir, "auditing and publishing the public marts")
    try:
        marts = public_marts(manifest_file)
        record = publish(
            config.build_database,
            config.publish_dir,
            run_dir.name,
            marts,
            config.gates,
            config.permissions,
            config.keep_versions,
        )
    except PublishError as error:
        raise JobError(PUBLISH_EXIT_CODES[error.kind], str(error)) from error
    for note in record["accepted_changes"]:
        log(run_dir, note)
    summary["published"] = str(config.publish_dir / "current")
    summary["published_marts"] = len(record["marts"])
    log(run_dir, f"published {len(record['marts'])} marts to {config.publish_dir} (version {run_dir.name})")


def run_job(config: JobConfig) -> int:
    os.umask(0o077)
    config.runs_dir.mkdir(parents=True, exist_ok=True)
    config.publish_dir.mkdir(parents=True, exist_ok=True)
    # One job per runs folder and one per publish folder: two jobs with different runs
    # folders aimed at the same publication must not interleave their writes.
    runs_lock = take_lock(config.runs_dir / "job.lock", "job lock")
    if runs_lock is None:
        return EXIT_ALREADY_RUNNING
    publish_lock = take_lock(config.publish_dir / ".publish.lock", "publish lock")
    if publish_lock is None:
        runs_lock.close()
        return EXIT_ALREADY_RUNNING
    previous_handlers = {
        signum: signal.signal(signum, raise_stopped) for signum in (signal.SIGTERM, signal.SIGINT)
    }
    run_dir = config.runs_dir / dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")
    summary: dict[str, object] = {"run": run_dir.name, "build_database": str(config.build_database)}
    exit_code = EXIT_OTHER
    try:
        run_dir.mkdir(parents=True)
        reuse_parse_cache(config.runs_dir, run_dir)
        build_and_publish(config, run_dir, summary)
        exit_code = EXIT_OK
        log(run_dir, "job succeeded")
    except JobError as error:
        exit_code = error.exit_code
        log(run_dir, f"job failed (exit {exit_code}): {error}")
        print(str(error), file=sys.stderr)
    except Stopped as stop:
        exit_code = 128 + stop.signum
        message = f"job stopped by {stop} (exit {exit_code}): dbt stopped, last publication kept"
        log(run_dir, message)
        print(message, file=sys.stderr)
    except OSError as error:
        exit_code = EXIT_DISK_FULL if error.errno in (28, 122) else EXIT_OTHER  # ENOSPC, EDQUOT
        message = f"job failed (exit {exit_code}): {error}"
        print(message, file=sys.stderr)
        if run_dir.exists():
            log(run_dir, message)
    finally:
        summary["exit_code"] = exit_code
        try:
            (run_dir / "job.json").write_text(json.dumps(summary, indent=2))
        except OSError as error:
            print(f"could not write job.json: {error}", file=sys.stderr)
        for signum, handler in previous_handlers.items():
            signal.signal(signum, handler)
        publish_lock.close()
        runs_lock.close()
    return exit_code


def parse_args(argv: list[str] | None = None) -> JobConfig:
    parser = argparse.ArgumentParser(
        description="Scheduled run: freshness gate, dbt build, atomic publication for BI readers.",
        epilog=__doc__.split("Exit codes", 1)[1] if __doc__ else None,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--project-dir",
        type=Path,
        default=PROJECT_DIR,
        help="the dbt project to run: this one (default), or one that installs revenue_funnel as a package",
    )
    parser.add_argument(
        "--profiles-dir",
        type=Path,
        help="where its profiles.yml is (default: the project's own, else $DBT_PROFILES_DIR, else ~/.dbt)",
    )
    parser.add_argument(
        "--build-database",
        type=Path,
        default=Path(os.environ.get("DBT_DUCKDB_PATH", PROJECT_DIR / "revenue_funnel.duckdb")),
        help="DuckDB file dbt builds into, the path in the profile (default: $DBT_DUCKDB_PATH or "
        "revenue_funnel.duckdb)",
    )
    parser.add_argument(
        "--publish-dir", type=Path, help="where readers find the marts (default: <project>/publish)"
    )
    parser.add_argument("--runs-dir", type=Path, help="logs and artifacts per run (default: <project>/runs)")
    parser.add_argument(
        "--target",
        default=os.environ.get("DBT_TARGET"),
        help="dbt target (default: $DBT_TARGET, else the profile's)",
    )
    parser.add_argument("--lock-retries", type=int, default=5, help="retries while the build file is locked")
    parser.add_argument("--lock-backoff-seconds", type=float, default=2.0, help="first back-off, doubling")
    parser.add_argument("--skip-freshness", action="store_true", help="do not gate on source freshness")
    parser.add_argument("--full-refresh", action="store_true", help="rebuild incremental models from scratch")
    parser.add_argument(
        "--unit-tests", action="store_true", help="also run the unit tests (CI runs them; default: excluded)"
    )
    parser.add_argument("--vars", dest="extra_vars", help="dbt --vars YAML, passed through")
    gates = parser.add_argument_group("publication gates (exit 50 when one fails)")
    defaults = GateSettings()
    gates.add_argument(
        "--max-headline-change",
        type=float,
        default=defaults.max_change,
        help="largest relative move of a headline sum (leads, appointments, pipeline, won, won amount over "
        "the recent complete periods) versus the last publication (default %(default)s)",
    )
    gates.add_argument(
        "--min-headline-count",
        type=int,
        default=defaults.min_count,
        help="compare a headline only when its previous value is at least this (default %(default)s)",
    )
    gates.add_argument(
        "--recent-periods", type=int, default=defaults.recent_periods, help="complete periods compared"
    )
    gates.add_argument(
        "--won-tolerance",
        type=float,
        default=defaults.won_tolerance,
        help="largest relative gap between CRM is_won and won-mapped opportunities (default %(default)s)",
    )
    gates.add_argument(
        "--accept-changes",
        action="store_true",
        help="publish although a headline moved beyond the bound (a real change: logged and recorded)",
    )
    gates.add_argument(
        "--allow-empty-mart", action="append", default=[], metavar="MART", help="a mart that may be empty"
    )
    parser.add_argument(
        "--reader-group",
        help="group that may read the publication (files 640, folders 750); default: owner only",
    )
    parser.add_argument(
        "--keep-versions", type=int, default=2, help="publications kept for readers still on an older one"
    )
    args = parser.parse_args(argv)
    project_dir = args.project_dir.resolve()
    return JobConfig(
        project_dir=project_dir,
        profiles_dir=args.profiles_dir.resolve() if args.profiles_dir else None,
        build_database=args.build_database.resolve(),
        publish_dir=(args.publish_dir or project_dir / "publish").resolve(),
        runs_dir=(args.runs_dir or project_dir / "runs").resolve(),
        target=args.target,
        lock_retries=args.lock_retries,
        lock_backoff_seconds=args.lock_backoff_seconds,
        skip_freshness=args.skip_freshness,
        full_refresh=args.full_refresh,
        unit_tests=args.unit_tests,
        extra_vars=args.extra_vars,
        gates=GateSettings(
            max_change=args.max_headline_change,
            min_count=args.min_headline_count,
            recent_periods=args.recent_periods,
            won_tolerance=args.won_tolerance,
            accept_changes=args.accept_changes,
            allow_empty=frozenset(args.allow_empty_mart),
        ),
        permissions=Permissions(args.reader_group),
        keep_versions=max(args.keep_versions, 1),
    )


def main(argv: list[str] | None = None) -> int:
    return run_job(parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())

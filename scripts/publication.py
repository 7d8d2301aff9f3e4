"""Write-audit-publish for the scheduled job: what is published, the gates, the atomic switch.

Layout of the publish folder (readers only ever use the three stable names):

    revenue_funnel.duckdb -> current/revenue_funnel.duckdb   the marts, one DuckDB file
    parquet               -> current/parquet                 the same marts as Parquet
    published.json        -> current/published.json          what was published, and when
    current               -> versions/<run>                  the one pointer a publication switches
    versions/<run>/                                          one complete publication per run
    .publish.lock                                            held by the job that owns the folder

A run writes `versions/<run>.incoming/`, audits it, renames it to `versions/<run>` and then
renames a new `current` symlink over the old one: that single rename switches the DuckDB file,
the Parquet files and published.json together. A reader that opened the previous version keeps
its open files until it reconnects; older versions are removed after `keep_versions`.

Only the models the manifest marks `access: public` (the marts) are published, copied table by
table into a new file: no raw, base, staging, snapshot or stray table ever reaches a reader, and
no table name found in the warehouse is ever formatted into SQL.
"""

from __future__ import annotations

import datetime as dt
import errno
import grp
import json
import os
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

PUBLISHED_DATABASE = "revenue_funnel.duckdb"
READER_STORAGE_VERSION = "v1.4.0"  # the oldest DuckDB the publication is readable by (docs/dashboard.md)
PACKAGE = "revenue_funnel"  # the dbt project (or package) whose public marts are published
PARQUET = "parquet"
PUBLISHED_JSON = "published.json"
STABLE_NAMES = (PUBLISHED_DATABASE, PARQUET, PUBLISHED_JSON)
IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")

# Funnel stages in fct_funnel_periods, and the staging tables whose rows are that stage's raw
# candidates: a stage with candidates in the raw data but no row in the build is a broken config.
STAGE_CANDIDATES = {
    "leads_count": ("stg_salesforce__leads", "true"),
    "handled_count": ("stg_salesforce__tasks", "true"),
    "pipeline_count": ("stg_salesforce__opportunities", "true"),
    "won_count": ("stg_salesforce__opportunities", "is_won"),
}
HEADLINE_METRICS = ("leads_count", "appointments_count", "pipeline_count", "won_count", "won_amount")


class PublishError(Exception):
    """A publication that could not be written; the previous one stays in place."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind  # "disk_full", "gate", "io"


@dataclass(frozen=True)
class Mart:
    name: str
    schema: str

    @property
    def build_relation(self) -> str:
        return f'build."{self.schema}"."{self.name}"'


@dataclass
class GateSettings:
    """Bounds of the audit; every one is a job option (see run_job.py --help)."""

    max_change: float = 0.5  # headline sums may move by at most this fraction vs the last publication
    min_count: int = 10  # ... when the previous value (or, for amounts, the won count) is at least this
    recent_periods: int = 3  # complete periods compared
    won_tolerance: float = 0.05  # raw is_won vs won-mapped opportunities, relative
    accept_changes: bool = False  # the operator accepts a headline jump (logged, recorded)
    allow_empty: frozenset[str] = frozenset()
    today: dt.date = field(default_factory=lambda: dt.datetime.now(dt.UTC).date())


@dataclass
class Permissions:
    """Owner-only by default; with a reader group, files 640 / folders 750 owned by that group."""

    reader_group: str | None = None

    @property
    def gid(self) -> int | None:
        return grp.getgrnam(self.reader_group).gr_gid if self.reader_group else None

    def apply(self, root: Path, read_only: bool) -> None:
        file_mode = (
            (0o440 if self.reader_group else 0o400) if read_only else (0o640 if self.reader_group else 0o600)
        )
        dir_mode = 0o750 if self.reader_group else 0o700
        gid = self.gid
        for path in [root, *root.rglob("*")]:
            if path.is_symlink():
                continue
            if gid is not None:
                os.chown(path, -1, gid)
            os.chmod(path, dir_mode if path.is_dir() else file_mode)


def public_marts(manifest_file: Path) -> list[Mart]:
    """The marts to publish: revenue_funnel's models marked `access: public` in the run's own
    manifest, whether it is the project itself or a package of the project that ran (a host's
    own public models are not this publication's)."""
    manifest = json.loads(manifest_file.read_text())
    marts = []
    for node in manifest["nodes"].values():
        if node["resource_type"] != "model" or node.get("access") != "public":
            continue
        if node["package_name"] != PACKAGE or node["config"].get("materialized") == "ephemeral":
            continue
        name, schema = node.get("alias") or node["name"], node["schema"]
        if not (IDENTIFIER.fullmatch(name) and IDENTIFIER.fullmatch(schema)):
            raise PublishError(
                "gate", f"public model {node['unique_id']} has a name that is not a plain identifier"
            )
        marts.append(Mart(name, schema))
    if not marts:
        raise PublishError("gate", "the manifest marks no model access: public; nothing to publish")
    return sorted(marts, key=lambda mart: mart.name)


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> list[tuple]:
    """Run one statement to completion (DuckDB refuses the next one while a result is open)."""
    return con.execute(sql, params or []).fetchall()


def _scalar(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> object:
    rows = _rows(con, sql, params)
    return rows[0][0] if rows else None


def _exists(con: duckdb.DuckDBPyConnection, catalog: str, table: str, schema: str | None = None) -> bool:
    """Whether the table exists in the catalog (in that schema, when given)."""
    return bool(
        _scalar(
            con,
            "select count(*) from duckdb_tables() where database_name = ? and table_name = ?"
            " and schema_name = coalesce(?, schema_name)",
            [catalog, table, schema],
        )
    )


def headline(con: duckdb.DuckDBPyConnection, periods: list[str] | None, recent: int) -> dict:
    """Sums of the headline metrics over recent complete periods (total breakdown).

    With `periods` (those of the last publication) the same periods are summed, so a restated
    history is compared like for like; otherwise the last `recent` complete periods.
    """
    if periods is None:
        periods = [
            str(row[0])
            for row in _rows(
                con,
                "select period_start_date from main.fct_funnel_periods "
                "where breakdown_dimension = 'total' and is_complete_period "
                "order by period_start_date desc limit ?",
                [recent],
            )
        ]
    sums = ", ".join(f"coalesce(sum({metric}), 0)" for metric in HEADLINE_METRICS)
    (values,) = _rows(
        con,
        f"select {sums} from main.fct_funnel_periods where breakdown_dimension = 'total' "
        "and cast(period_start_date as varchar) in (select unnest(?::varchar[]))",
        [periods],
    )
    return {
        "periods": sorted(periods),
        **{m: float(v) for m, v in zip(HEADLINE_METRICS, values, strict=True)},
    }


def audit(
    con: duckdb.DuckDBPyConnection,
    marts: list[Mart],
    counts: dict[str, int],
    previous: dict | None,
    gates: GateSettings,
) -> tuple[list[str], dict, list[str]]:
    """The gates on a new publication (its marts in `main`, the build attached as `build`).

    Returns (failures, headline, notes): each failure names its check.
    """
    failures: list[str] = []
    notes: list[str] = []
    empty = sorted(m.name for m in marts if counts.get(m.name, 0) == 0 and m.name not in gates.allow_empty)
    if empty:
        failures.append(f"marts_non_empty: {len(empty)} public marts have no rows: {', '.join(empty)}")

    as_of = _scalar(con, "select max(date_day) from main.dim_calendar where is_as_of_date")
    first = _scalar(con, "select min(reached_date) from main.fct_funnel_stage_events")
    if as_of is None:
        failures.append("as_of_date: dim_calendar marks no as-of date")
    elif as_of > gates.today:
        failures.append(
            f"as_of_date: {as_of} is in the future (today is {gates.today}); check load timestamps"
        )
    elif first is None or as_of < first:
        failures.append(
            f"as_of_date: {as_of} is before any funnel event (first {first}); check var as_of_date"
        )

    # The models behind the marts are in the marts' schema of the build: main standalone, the
    # package's own schema in a host project (every model of the package shares one).
    schema = marts[0].schema if marts else "main"
    for metric, (table, candidate) in STAGE_CANDIDATES.items():
        if not _exists(con, "build", table, schema):
            continue
        candidates = _scalar(con, f'select count(*) from build."{schema}".{table} where {candidate}')
        reached = _scalar(
            con,
            f"select coalesce(sum({metric}), 0) from main.fct_funnel_periods "
            "where breakdown_dimension = 'total'",
        )
        if candidates and not reached:
            failures.append(
                f"stage_coverage: {metric} is 0 in every period while {table} has {candidates} "
                "candidate rows; "
                "check the stage mapping and milestone seeds"
            )
    if _exists(con, "build", "int_opportunity_stage_mapping", schema) and _exists(
        con, "build", "stg_salesforce__opportunities", schema
    ):
        raw_won = _scalar(
            con, f'select count(*) from build."{schema}".stg_salesforce__opportunities where is_won'
        )
        mapped_won = _scalar(
            con,
            f'select count(*) from build."{schema}".int_opportunity_stage_mapping '
            "where funnel_stage = 'won'",
        )
        if raw_won and abs(mapped_won - raw_won) > gates.won_tolerance * raw_won:
            failures.append(
                f"won_signal: {raw_won} opportunities have is_won = true in the CRM but {mapped_won} "
                f"map to the won stage (tolerance {gates.won_tolerance:.0%}); "
                "check seeds/opportunity_stage_mapping.csv"
            )

    previous_headline = (previous or {}).get("headline")
    current = headline(con, previous_headline["periods"] if previous_headline else None, gates.recent_periods)
    if previous_headline:
        jumps = []
        for metric in HEADLINE_METRICS:
            old, new = previous_headline.get(metric, 0.0), current[metric]
            base = previous_headline.get("won_count", 0.0) if metric == "won_amount" else old
            collapsed = old > 0 and new <= 0
            jumped = old > 0 and base >= gates.min_count and abs(new - old) > gates.max_change * abs(old)
            if collapsed or jumped:
                jumps.append(f"{metric} {old:g} -> {new:g}")
        if jumps:
            message = (
                f"headline_change: over periods {', '.join(current['periods'])} versus the last publication: "
                f"{'; '.join(jumps)} (bound {gates.max_change:.0%})"
            )
            if gates.accept_changes:
                notes.append(message + " - accepted by --accept-changes")
            else:
                failures.append(message + "; rerun with --accept-changes if the change is real")
    return failures, headline(con, None, gates.recent_periods), notes


def _remove(path: Path) -> None:
    if path.is_symlink() or path.is_file():
        path.unlink()
    elif path.is_dir():
        shutil.rmtree(path)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _disk_full(error: BaseException) -> bool:
    return (isinstance(error, OSError) and error.errno in (errno.ENOSPC, errno.EDQUOT)) or (
        "No space left on device" in str(error) or "disk is full" in str(error).lower()
    )


def previous_publication(publish_dir: Path) -> dict | None:
    try:
        return json.loads((publish_dir / PUBLISHED_JSON).read_text())
    except (OSError, ValueError):
        return None


def publish(
    build_database: Path,
    publish_dir: Path,
    run: str,
    marts: list[Mart],
    gates: GateSettings,
    permissions: Permissions,
    keep_versions: int = 2,
) -> dict:
    """Export, audit and switch in one publication; returns what published.json records."""
    versions = publish_dir / "versions"
    versions.mkdir(parents=True, exist_ok=True)
    incoming = versions / f"{run}.incoming"
    _remove(incoming)
    try:
        (incoming / PARQUET).mkdir(parents=True)
        record = _export_and_audit(
            build_database, incoming, run, marts, gates, previous_publication(publish_dir)
        )
        permissions.apply(incoming, read_only=True)
        final = versions / run
        os.replace(incoming, final)
    except BaseException as error:
        _remove(incoming)
        if isinstance(error, PublishError | KeyboardInterrupt) or not isinstance(error, Exception):
            raise
        if _disk_full(error):
            raise PublishError(
                "disk_full", f"no space left writing the publication in {publish_dir}: {error}"
            ) from error
        raise PublishError("io", f"could not write the publication in {publish_dir}: {error}") from error
    _switch(publish_dir, run)
    _clean_versions(versions, keep_versions)
    return record


def _export_and_audit(
    build_database: Path,
    incoming: Path,
    run: str,
    marts: list[Mart],
    gates: GateSettings,
    previous: dict | None,
) -> dict:
    database = incoming / PUBLISHED_DATABASE
    counts: dict[str, int] = {}
    # Written in the 1.4 storage format, as dbt's build file is (profiles.yml): BI drivers built on
    # DuckDB 1.4 or newer open it; without the setting DuckDB 2.0 writes a format only 2.0 reads.
    settings = {"storage_compatibility_version": READER_STORAGE_VERSION}
    with duckdb.connect(str(database), config=settings) as con:
        _rows(con, "attach ? as build (read_only)", [str(build_database)])
        missing = [m.name for m in marts if not _exists(con, "build", m.name, m.schema)]
        if missing:
            raise PublishError(
                "gate", f"marts_present: public marts missing from the build: {', '.join(missing)}"
            )
        for mart in marts:
            _rows(con, f'create table main."{mart.name}" as select * from {mart.build_relation}')
            counts[mart.name] = int(_scalar(con, f'select count(*) from main."{mart.name}"'))
            con.sql(f'select * from main."{mart.name}"').write_parquet(
                str(incoming / PARQUET / f"{mart.name}.parquet")
            )
        failures, current, notes = audit(con, marts, counts, previous, gates)
        if failures:
            raise PublishError(
                "gate", "publication gate failed, last publication kept: " + " | ".join(failures)
            )
        _rows(con, "detach build")
        _rows(con, "checkpoint")
    wal = database.with_name(database.name + ".wal")
    if wal.exists():  # closed after a checkpoint: DuckDB leaves none; never ship one
        wal.unlink()
    record = {
        "published_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "run": run,
        "database": PUBLISHED_DATABASE,
        "marts": [
            {"name": name, "rows": rows, "parquet": f"{PARQUET}/{name}.parquet"}
            for name, rows in sorted(counts.items())
        ],
        "headline": current,
        "accepted_changes": notes,
    }
    (incoming / PUBLISHED_JSON).write_text(json.dumps(record, indent=2))
    return record


def _switch(publish_dir: Path, run: str) -> None:
    """Point `current` at the new version with one rename; make sure the stable names exist."""
    pointer = publish_dir / "current.incoming"
    _remove(pointer)
    pointer.symlink_to(Path("versions") / run)
    os.replace(pointer, publish_dir / "current")
    for name in STABLE_NAMES:
        stable = publish_dir / name
        if stable.is_symlink() and os.readlink(stable) == str(Path("current") / name):
            continue
        link = publish_dir / f"{name}.link"
        _remove(link)
        link.symlink_to(Path("current") / name)
        if stable.is_dir() and not stable.is_symlink():  # a folder from the old layout
            _remove(stable)
        os.replace(link, stable)
    # A reader that opened the stable name read-write and crashed leaves a WAL beside it, which
    # DuckDB would replay into the next version: the publication is read-only, so it goes.
    for stale in publish_dir.glob(f"{PUBLISHED_DATABASE}*.wal"):
        stale.unlink()
    _fsync_dir(publish_dir)


def _clean_versions(versions: Path, keep: int) -> None:
    published = sorted(path for path in versions.iterdir() if not path.name.endswith(".incoming"))
    for old in published[: max(len(published) - keep, 0)]:
        _remove(old)
    for leftover in versions.glob("*.incoming"):  # a killed run's partial output
        _remove(leftover)

"""BI clients on the published file: the BI claims of README.md, docs/dashboard.md and
docs/semantic_layer.md, each checked against a real publication so that it fails when the claim
stops being true.

The demo warehouse (conftest.py, 3,000 leads) is published once per module the way the scheduled
job does it (scripts/run_job.py `build_and_publish`: `public_marts(manifest)`, then `publish`),
and every client reads the stable name `<publish dir>/revenue_funnel.duckdb`, read-only:

- DuckDB: README says 1.4 or newer opens the file and 1.1 to 1.3 cannot, docs/dashboard.md that
  it is written in the v1.4.0 storage format. The file must carry that format, DuckDB 1.4.0 (the
  oldest that should read it) must list every mart and count the rows published.json records,
  and 1.3.2 (the newest of those that should not) must fail with DuckDB's storage-version error.
  DuckDB 1.4.0 must also open the build file dbt wrote (README's Quick start).
- SQLAlchemy + duckdb-engine, as Apache Superset connects: the URI, the engine parameters and the
  pip lines come from docs/dashboard.md. For every stack the docs allow (Superset 6.1's own
  SQLAlchemy 1.4 with both ends of its `duckdb` extra's DuckDB range; SQLAlchemy 2.0 with the
  oldest DuckDB the docs allow and with requirements.txt's), `sqlalchemy.inspect` must list every
  mart and every column exactly as DuckDB's information_schema has them, a query must run and a
  write must be refused. For every failure the docs give as the reason for a bound (SQLAlchemy
  2.1; DuckDB 1.4.0; DuckDB 1.5.2 under SQLAlchemy 2.0), that stack must still fail that way,
  and the docs' pins must allow exactly the stacks that work.
- MetricFlow: `mf query --saved-query funnel_monthly` on the read-only target with
  DBT_DUCKDB_PATH at the publication (the manifest parsed with the same path) must return the
  monthly counts of fct_funnel_periods, months ascending, while another reader holds the file;
  every semantic model must read a published mart, every saved query must have an order_by, and
  docs/semantic_layer.md must list the saved queries there are.

Not tested here: Metabase's DuckDB driver and Evidence (a JVM and a Node.js service), DBeaver,
the `duckdb` CLI, and Superset itself (the test makes Superset's calls, `create_engine(URI,
**engine parameters)` and the inspector, with the library versions Superset 6.1 installs).

Each client runs in a subprocess of this venv's Python with `-S` (no site-packages) and
PYTHONPATH at its own `pip install --target` folder under build/clients/, so it imports only the
versions pinned below. A folder is installed when missing and reinstalled when its pins change
(the `.pins` stamp); pip needs PyPI the first time. The install must hold exactly the pinned
distributions: a new transitive dependency fails the test until it is pinned here.
"""

from __future__ import annotations

import csv
import importlib.metadata
import json
import os
import platform
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest
import yaml
from dbt_runner import PROJECT_DIR, run_dbt_target
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from publication import PUBLISHED_DATABASE, GateSettings, Permissions, public_marts, publish

CLIENTS_DIR = PROJECT_DIR / "build" / "clients"
STAMP = ".pins"
DASHBOARD_DOC = PROJECT_DIR / "docs" / "dashboard.md"
SEMANTIC_DOC = PROJECT_DIR / "docs" / "semantic_layer.md"
SAVED_QUERIES = PROJECT_DIR / "models" / "marts" / "semantic" / "sem_saved_queries.yml"
MF = str(Path(sys.executable).with_name("mf"))


def _requirements_pin(name: str) -> str:
    pins = re.findall(rf"^{name}==(\S+)\s*$", (PROJECT_DIR / "requirements.txt").read_text(), re.M)
    assert len(pins) == 1, f"requirements.txt pins {name} {len(pins)} times"
    return pins[0]


# ---------- the pinned clients

DUCKDB = _requirements_pin("duckdb")  # the DuckDB that writes the publication
OLDEST_DUCKDB = "1.4.0"  # README: "DuckDB 1.4 or newer"
TOO_OLD_DUCKDB = "1.3.2"  # README: "1.1 to 1.3 cannot read it"; the newest 1.3

# What apache-superset 6.1.0 (the newest on PyPI) requires: its METADATA has
# `sqlalchemy<2,>=1.4` and, for the `duckdb` extra, `duckdb<2,>=1.4.2` and `duckdb-engine>=0.17.0`.
SUPERSET_SQLALCHEMY = SpecifierSet(">=1.4,<2")
SUPERSET_DUCKDB_EXTRA = {"duckdb": SpecifierSet(">=1.4.2,<2"), "duckdb-engine": SpecifierSet(">=0.17.0")}

DUCKDB_ENGINE = "0.17.0"  # the newest duckdb-engine
# The newest SQLAlchemy 1.4 (Superset's), 2.0 and 2.1, each with its exact dependencies.
SQLALCHEMY_STACKS = {
    "1.4.54": ("greenlet==3.5.6", "packaging==26.4"),
    "2.0.58": ("greenlet==3.5.6", "packaging==26.4", "typing-extensions==4.16.0"),
    "2.1.9": ("packaging==26.4", "typing-extensions==4.16.0"),
}


@dataclass(frozen=True)
class Stack:
    """SQLAlchemy + duckdb-engine + DuckDB, installed in build/clients/<folder>."""

    folder: str
    sqlalchemy: str
    duckdb: str
    failure: str | None = None  # None: must work; else a text the error must contain

    @property
    def pins(self) -> tuple[str, ...]:
        return (
            f"duckdb-engine=={DUCKDB_ENGINE}",
            f"sqlalchemy=={self.sqlalchemy}",
            f"duckdb=={self.duckdb}",
            *SQLALCHEMY_STACKS[self.sqlalchemy],
        )


STACKS = [
    # what `pip install "apache-superset[duckdb]"` resolves to today, and the extra's oldest DuckDB
    Stack("superset-duckdb-1.5.6", "1.4.54", "1.5.6"),
    Stack("superset-duckdb-1.4.2", "1.4.54", "1.4.2"),
    # below the extra's (and the docs') floor 1.4.2: duckdb-engine 0.17 cannot use DuckDB 1.4.0's types
    Stack("superset-duckdb-1.4.0", "1.4.54", "1.4.0", failure="unhashable type"),
    # SQLAlchemy 2.0 applications: requirements.txt's DuckDB, the oldest DuckDB that works, the
    # newest that does not (its pg_catalog lacks pg_collation, which SQLAlchemy 2.0.58 reads)
    Stack("sqlalchemy", "2.0.58", DUCKDB),
    Stack("sqlalchemy-duckdb-1.5.3", "2.0.58", "1.5.3"),
    Stack("sqlalchemy-duckdb-1.5.2", "2.0.58", "1.5.2", failure="pg_collation"),
    # why the docs cap SQLAlchemy below 2.1: duckdb-engine 0.17 cannot list columns under it
    Stack("sqlalchemy-2.1", "2.1.9", DUCKDB, failure="pg_collation"),
]


# ---------- installing and running a client


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def client(name: str, pins: tuple[str, ...]) -> Path:
    """build/clients/<name>, holding exactly `pins` (installed with pip --target if not yet)."""
    target = CLIENTS_DIR / name
    stamp = "\n".join((f"python {platform.python_version()} {platform.machine()}", *pins)) + "\n"
    if (target / STAMP).is_file() and (target / STAMP).read_text() == stamp:
        return target
    CLIENTS_DIR.mkdir(parents=True, exist_ok=True)
    incoming = CLIENTS_DIR / f".{name}.incoming-{os.getpid()}"
    shutil.rmtree(incoming, ignore_errors=True)
    pip = [sys.executable, "-m", "pip", "install", "--quiet", "--no-input", "--disable-pip-version-check"]
    completed = subprocess.run(
        [*pip, "--target", str(incoming), *pins], capture_output=True, text=True, check=False, timeout=900
    )
    assert completed.returncode == 0, f"pip install {' '.join(pins)}:\n{completed.stdout}{completed.stderr}"
    installed = {
        _canonical(dist.metadata["Name"]): dist.version
        for dist in importlib.metadata.distributions(path=[str(incoming)])
    }
    wanted = {_canonical(pin.split("==")[0]): pin.split("==")[1] for pin in pins}
    assert installed == wanted, f"pip installed {installed}, pinned {wanted}: pin the difference"
    (incoming / STAMP).write_text(stamp)
    shutil.rmtree(target, ignore_errors=True)
    try:
        os.replace(incoming, target)
    except OSError:  # another run installed the same folder meanwhile
        shutil.rmtree(incoming, ignore_errors=True)
    return target


def run_client(folder: Path, script: str, *args: str) -> subprocess.CompletedProcess[str]:
    """`python -S -c script args` with only `folder` (and the standard library) importable."""
    env = {**os.environ, "PYTHONPATH": str(folder), "PYTHONNOUSERSITE": "1"}
    return subprocess.run(
        [sys.executable, "-S", "-c", script, *args],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )


def json_lines(output: str) -> list[dict]:
    return [json.loads(line) for line in output.splitlines() if line.startswith("{")]


# A DuckDB client: its version first (so a failure to open still says who failed), then every
# table of schema main with its type and row count.
DUCKDB_CLIENT = """
import json, sys
import duckdb
print(json.dumps({"version": duckdb.__version__, "module": duckdb.__file__}), flush=True)
con = duckdb.connect(sys.argv[1], read_only=True)
tables = con.execute(
    "select table_name, table_type from information_schema.tables "
    "where table_schema = 'main' order by table_name"
).fetchall()
rows = {name: con.execute(f'select count(*) from main."{name}"').fetchone()[0] for name, _ in tables}
print(json.dumps({"table_types": dict(tables), "rows": rows}), flush=True)
"""


# ---------- the publication


@dataclass(frozen=True)
class Publication:
    publish_dir: Path
    database: Path  # the stable name BI tools open
    marts: list[str]  # the public marts of the manifest
    record: dict  # published.json
    columns: dict[str, list[str]]  # per published table, its columns in order (information_schema)
    table_types: dict[str, str]
    storage_version: str

    def record_rows(self, mart: str) -> int:
        """The row count published.json records for `mart`."""
        return {entry["name"]: entry["rows"] for entry in self.record["marts"]}[mart]

    def files(self) -> dict[str, tuple[int, int]]:
        """Every path under the publish folder with its size and mtime: a client that wrote
        anything (a WAL, a new file) changes it."""
        return {
            str(path.relative_to(self.publish_dir)): (path.lstat().st_size, path.lstat().st_mtime_ns)
            for path in sorted(self.publish_dir.rglob("*"))
        }


@pytest.fixture(scope="module")
def publication(demo_warehouse: Path, tmp_path_factory: pytest.TempPathFactory) -> Publication:
    # conftest's dbt build writes its artifacts to <work>/target, next to the database.
    manifest = demo_warehouse.parent / "target" / "manifest.json"
    assert manifest.is_file(), f"no manifest at {manifest}"
    publish_dir = tmp_path_factory.mktemp("bi_clients") / "publish"
    marts = public_marts(manifest)
    record = publish(demo_warehouse, publish_dir, "bi_clients_run", marts, GateSettings(), Permissions())
    database = publish_dir / PUBLISHED_DATABASE
    with duckdb.connect(str(database), read_only=True) as con:
        columns: dict[str, list[str]] = {}
        for table, column in con.execute(
            "select table_name, column_name from information_schema.columns "
            "where table_schema = 'main' order by table_name, ordinal_position"
        ).fetchall():
            columns.setdefault(table, []).append(column)
        table_types = dict(
            con.execute(
                "select table_name, table_type from information_schema.tables where table_schema = 'main'"
            ).fetchall()
        )
        [(tags,)] = con.execute(
            "select tags from duckdb_databases() where database_name = ?", [database.stem]
        ).fetchall()
    return Publication(
        publish_dir,
        database,
        sorted(mart.name for mart in marts),
        record,
        columns,
        table_types,
        tags.get("storage_version", ""),
    )


def test_publication_holds_exactly_the_public_marts_under_the_stable_name(publication: Publication) -> None:
    # README and docs/dashboard.md: BI tools open publish/revenue_funnel.duckdb
    assert PUBLISHED_DATABASE == "revenue_funnel.duckdb"
    assert publication.database.is_file()
    assert publication.database.resolve().parent.parent.name == "versions"  # the stable link
    assert {"fct_funnel_periods", "fct_department_kpis", "dim_calendar"} <= set(publication.marts)
    # "as plain tables in schema main ... and as publish/parquet/<mart>.parquet"
    assert publication.table_types == dict.fromkeys(publication.marts, "BASE TABLE")
    assert sorted(publication.columns) == publication.marts
    assert sorted(path.stem for path in (publication.publish_dir / "parquet").glob("*.parquet")) == (
        publication.marts
    )
    assert sorted(mart["name"] for mart in publication.record["marts"]) == publication.marts


def test_publication_is_written_in_the_v1_4_storage_format(publication: Publication) -> None:
    # docs/dashboard.md: "The file is written with storage_compatibility_version: v1.4.0"
    assert publication.storage_version.startswith("v1.4.0"), (
        f"{publication.database} has storage version {publication.storage_version!r}, not v1.4.0: "
        "scripts/publication.py must create it with "
        "config={'storage_compatibility_version': 'v1.4.0'}"
    )


# ---------- DuckDB clients


def test_oldest_documented_duckdb_reads_the_publication(publication: Publication) -> None:
    folder = client(f"duckdb-{OLDEST_DUCKDB}", (f"duckdb=={OLDEST_DUCKDB}",))
    before = publication.files()
    completed = run_client(folder, DUCKDB_CLIENT, str(publication.database))
    lines = json_lines(completed.stdout)
    assert lines and lines[0]["version"] == OLDEST_DUCKDB, completed.stdout + completed.stderr
    assert Path(lines[0]["module"]).is_relative_to(folder)
    assert completed.returncode == 0 and len(lines) == 2, (
        f"DuckDB {OLDEST_DUCKDB} cannot read the publication:\n{completed.stderr[-3000:]}"
    )
    assert lines[1]["table_types"] == publication.table_types
    assert lines[1]["rows"] == {mart["name"]: mart["rows"] for mart in publication.record["marts"]}
    assert lines[1]["rows"]["fct_funnel_periods"] > 0 and lines[1]["rows"]["dim_calendar"] > 365
    assert publication.files() == before  # read-only: nothing written next to the file


def test_oldest_documented_duckdb_reads_the_build_file(
    demo_warehouse: Path, publication: Publication
) -> None:
    # README's Quick start: "Open the result with any DuckDB client 1.4 or newer" (dbt's own file)
    folder = client(f"duckdb-{OLDEST_DUCKDB}", (f"duckdb=={OLDEST_DUCKDB}",))
    completed = run_client(folder, DUCKDB_CLIENT, str(demo_warehouse))
    lines = json_lines(completed.stdout)
    assert completed.returncode == 0 and len(lines) == 2, completed.stdout + completed.stderr[-3000:]
    assert lines[0]["version"] == OLDEST_DUCKDB
    assert set(publication.marts) <= set(lines[1]["table_types"])


def test_duckdb_1_3_cannot_read_the_publication(publication: Publication) -> None:
    folder = client(f"duckdb-{TOO_OLD_DUCKDB}", (f"duckdb=={TOO_OLD_DUCKDB}",))
    completed = run_client(folder, DUCKDB_CLIENT, str(publication.database))
    lines = json_lines(completed.stdout)
    assert lines and lines[0]["version"] == TOO_OLD_DUCKDB, completed.stdout + completed.stderr
    assert completed.returncode != 0 and len(lines) == 1
    assert "Trying to read a database file with version number" in completed.stderr, completed.stderr
    assert "created with an newer version of DuckDB" in completed.stderr, completed.stderr


# ---------- SQLAlchemy + duckdb-engine, as Apache Superset connects


@dataclass(frozen=True)
class SqlalchemyDoc:
    """The Superset paragraphs of docs/dashboard.md."""

    superset_extra: list[Requirement]  # pip install "apache-superset[duckdb]"
    superset: list[Requirement]  # the packages to add to an existing Superset environment
    sqlalchemy_2: list[Requirement]  # the packages for a SQLAlchemy 2 application
    uri: str  # the SQLAlchemy URI, with its placeholder folder
    engine_parameters: dict  # Advanced -> Other -> Engine parameters


URI_PLACEHOLDER = "/absolute/path/to/publish/"


def sqlalchemy_doc() -> SqlalchemyDoc:
    text = DASHBOARD_DOC.read_text()
    start = text.index("**Apache Superset**")
    section = text[start : text.index("**Evidence**", start)]
    installs = [
        [Requirement(item) for item in re.findall(r"\"([^\"]+)\"", match)]
        for match in re.findall(r"`pip install ((?:\s*\"[^\"]+\")+)`", section)
    ]
    uri = re.search(r"SQLAlchemy URI\s+`(duckdb:[^`]+)`", section)
    parameters = re.search(r"Engine parameters\*:?\s*```json\n(.*?)```", section, re.S)
    assert len(installs) == 3 and uri and parameters, "docs/dashboard.md: the Superset section changed"
    extra, superset, sqlalchemy_2 = installs
    return SqlalchemyDoc(extra, superset, sqlalchemy_2, uri.group(1), json.loads(parameters.group(1)))


def _specifiers(requirements: list[Requirement]) -> dict[str, SpecifierSet]:
    return {_canonical(requirement.name): requirement.specifier for requirement in requirements}


def doc_allows(doc: SqlalchemyDoc, stack: Stack) -> bool:
    """Whether the docs' pip line for the stack's kind of environment allows the stack."""
    if stack.sqlalchemy in SUPERSET_SQLALCHEMY:  # Superset brings its SQLAlchemy
        specifiers = {**_specifiers(doc.superset), "sqlalchemy": SUPERSET_SQLALCHEMY}
    else:
        specifiers = _specifiers(doc.sqlalchemy_2)
    versions = {"duckdb-engine": DUCKDB_ENGINE, "sqlalchemy": stack.sqlalchemy, "duckdb": stack.duckdb}
    assert set(specifiers) == set(versions), specifiers
    return all(specifiers[name].contains(version) for name, version in versions.items())


def test_docs_pins_allow_exactly_the_stacks_that_work() -> None:
    doc = sqlalchemy_doc()
    assert [str(requirement) for requirement in doc.superset_extra] == ["apache-superset[duckdb]"]
    # the packages named for a Superset environment are those of its duckdb extra, no wider
    superset = _specifiers(doc.superset)
    assert set(superset) == set(SUPERSET_DUCKDB_EXTRA)
    assert superset["duckdb"] == SUPERSET_DUCKDB_EXTRA["duckdb"]
    assert SUPERSET_DUCKDB_EXTRA["duckdb-engine"].contains(DUCKDB_ENGINE)
    allowed = {stack.folder: doc_allows(doc, stack) for stack in STACKS}
    assert allowed == {stack.folder: stack.failure is None for stack in STACKS}
    assert doc.engine_parameters == {"connect_args": {"read_only": True}}


# Superset's path: create_engine(URI, **engine parameters), then the inspector for schemas, tables
# and columns (get_columns per table, as Superset does when a dataset is added), then one query
# and one write that must be refused. Any error is reported as JSON.
SQLALCHEMY_CLIENT = """
import json, sys
import duckdb, duckdb_engine, sqlalchemy
print(json.dumps({
    "versions": [sqlalchemy.__version__, duckdb_engine.__version__, duckdb.__version__],
    "modules": [sqlalchemy.__file__, duckdb_engine.__file__, duckdb.__file__],
}), flush=True)
uri, parameters, schema = sys.argv[1], json.loads(sys.argv[2]), sys.argv[3]
result = {"columns": {}, "errors": {}}
try:
    engine = sqlalchemy.create_engine(uri, **parameters)
    inspector = sqlalchemy.inspect(engine)
    result["schemas"] = inspector.get_schema_names()
    result["default_tables"] = inspector.get_table_names()
    result["tables"] = inspector.get_table_names(schema=schema)
    for table in result["tables"]:
        try:
            result["columns"][table] = [
                [column["name"], type(column["type"]).__name__]
                for column in inspector.get_columns(table, schema=schema)
            ]
        except Exception as error:
            result["errors"][table] = f"{type(error).__name__}: {error}"
    with engine.connect() as connection:
        query = sqlalchemy.text("select count(*) from fct_funnel_periods")
        result["fct_funnel_periods_rows"] = connection.execute(query).scalar()
        try:
            connection.execute(sqlalchemy.text("create table bi_client_write_probe (x integer)"))
            result["write"] = "accepted"
        except Exception as error:
            result["write"] = f"{type(error).__name__}: {error}"
except Exception as error:
    result["fatal"] = f"{type(error).__name__}: {error}"
print(json.dumps(result), flush=True)
"""


def run_sqlalchemy_client(stack: Stack, publication: Publication) -> dict:
    folder = client(stack.folder, stack.pins)
    doc = sqlalchemy_doc()
    assert URI_PLACEHOLDER in doc.uri and doc.uri.startswith("duckdb:////"), doc.uri
    uri = doc.uri.replace(URI_PLACEHOLDER, f"{publication.publish_dir}/")
    assert uri == f"duckdb:///{publication.database}"
    schema = f"{publication.database.stem}.main"  # duckdb-engine names schemas catalog.schema
    before = publication.files()
    completed = run_client(folder, SQLALCHEMY_CLIENT, uri, json.dumps(doc.engine_parameters), schema)
    lines = json_lines(completed.stdout)
    assert completed.returncode == 0 and len(lines) == 2, completed.stdout + completed.stderr[-3000:]
    assert lines[0]["versions"] == [stack.sqlalchemy, DUCKDB_ENGINE, stack.duckdb]
    assert all(Path(module).is_relative_to(folder) for module in lines[0]["modules"])
    assert publication.files() == before  # read-only: nothing written next to the file
    return {**lines[1], "schema": schema}


@pytest.mark.parametrize(
    "stack", [stack for stack in STACKS if stack.failure is None], ids=lambda stack: stack.folder
)
def test_sqlalchemy_lists_every_mart_and_column(publication: Publication, stack: Stack) -> None:
    result = run_sqlalchemy_client(stack, publication)
    assert "fatal" not in result, result["fatal"]
    assert result["schema"] in result["schemas"]
    assert result["tables"] == result["default_tables"] == publication.marts
    assert result["errors"] == {}
    listed = {table: [name for name, _ in columns] for table, columns in result["columns"].items()}
    assert listed == publication.columns  # every mart, every column, in order
    unknown = [
        f"{table}.{name}"
        for table, columns in result["columns"].items()
        for name, kind in columns
        if kind == "NullType"
    ]
    assert unknown == [], f"SQLAlchemy does not recognise the type of {unknown}"
    assert result["fct_funnel_periods_rows"] == publication.record_rows("fct_funnel_periods")
    assert "read-only" in result["write"], result["write"]  # the engine parameters' read_only


@pytest.mark.parametrize(
    "stack", [stack for stack in STACKS if stack.failure is not None], ids=lambda stack: stack.folder
)
def test_sqlalchemy_stacks_the_docs_rule_out_still_fail(publication: Publication, stack: Stack) -> None:
    # When one of these starts working, the docs' bound it explains can be relaxed.
    result = run_sqlalchemy_client(stack, publication)
    if stack.failure == "pg_collation":  # the tables are listed, but not one table's columns
        assert "fatal" not in result, result["fatal"]
        assert result["tables"] == publication.marts
        assert result["columns"] == {}
        assert sorted(result["errors"]) == publication.marts
        assert all(stack.failure in error for error in result["errors"].values()), result["errors"]
    else:  # nothing works: the first call fails
        assert stack.failure in result.get("fatal", ""), result


# ---------- MetricFlow on the publication


@pytest.fixture(scope="module")
def mf_project(publication: Publication, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory with a copy of dbt_project.yml whose target/ holds the semantic manifest parsed
    with DBT_DUCKDB_PATH at the publication (see tests/python/test_semantic_layer.py for why)."""
    assert Path(MF).exists(), f"{MF} not found: install requirements.txt (dbt-metricflow, metricflow)"
    project = tmp_path_factory.mktemp("bi_clients_mf") / "mf_project"
    project.mkdir()
    shutil.copy(PROJECT_DIR / "dbt_project.yml", project / "dbt_project.yml")
    parsed = run_dbt_target(
        ["parse"], "duckdb_readonly", project, {"DBT_DUCKDB_PATH": str(publication.database)}
    )
    assert parsed.returncode == 0, parsed.output[-4000:]
    assert (project / "target" / "semantic_manifest.json").is_file()
    return project


def run_mf(project: Path, publication: Publication, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "DBT_PROFILES_DIR": str(PROJECT_DIR),
        "DBT_DUCKDB_PATH": str(publication.database),
        "DBT_TARGET": "duckdb_readonly",
        "DBT_LOG_PATH": str(project / "logs"),
        "DO_NOT_TRACK": "1",
    }
    env.pop("DBT_PROJECT_DIR", None)  # mf takes the project from the cwd
    return subprocess.run(
        [MF, *args], cwd=project, env=env, capture_output=True, text=True, check=False, timeout=900
    )


def test_every_semantic_model_reads_a_published_mart(publication: Publication, mf_project: Path) -> None:
    manifest = json.loads((mf_project / "target" / "semantic_manifest.json").read_text())
    relations = [model["node_relation"] for model in manifest["semantic_models"]] + [
        spine["node_relation"] for spine in manifest["project_configuration"]["time_spines"]
    ]
    assert len(relations) >= 8
    outside = [
        relation
        for relation in relations
        if (relation["database"], relation["schema_name"]) != (publication.database.stem, "main")
        or relation["alias"] not in publication.marts
    ]
    assert outside == [], f"semantic models reading what is not published: {outside}"


def test_mf_saved_query_on_the_publication_equals_fct_funnel_periods(
    publication: Publication, mf_project: Path
) -> None:
    output = mf_project / "funnel_monthly.csv"
    before = publication.files()
    # a BI tool holds the publication open, read-only, the whole time
    with duckdb.connect(str(publication.database), read_only=True) as bi_tool:
        completed = run_mf(
            mf_project,
            publication,
            "query",
            "--saved-query",
            "funnel_monthly",
            "--csv",
            str(output),
            "--quiet",
        )
        marts = bi_tool.execute(
            """
            select period_start_date, leads_count, handled_count, appointments_count, pipeline_count,
                   won_count
            from fct_funnel_periods
            where breakdown_dimension = 'total' and period_grain = 'month'
            """
        ).fetchall()
    assert completed.returncode == 0 and output.is_file(), completed.stdout + completed.stderr[-4000:]
    with output.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    months = [row["metric_time__month"][:10] for row in rows]
    assert len(months) >= 20 and months == sorted(months) and len(set(months)) == len(months)
    stages = ["leads", "handled", "appointments", "pipeline", "won"]
    actual = {row["metric_time__month"][:10]: [int(row[stage] or 0) for stage in stages] for row in rows}
    expected = {str(row[0]): list(row[1:]) for row in marts}
    differences = {
        month: (actual.get(month), expected.get(month))
        for month in sorted(set(actual) | set(expected))
        if actual.get(month, [0] * 5) != expected.get(month, [0] * 5)
    }
    assert differences == {}, f"(mf, fct_funnel_periods) by month: {differences}"
    assert sum(counts[0] for counts in actual.values()) > 1000
    assert publication.files() == before


def test_every_saved_query_is_ordered_and_documented() -> None:
    saved = yaml.safe_load(SAVED_QUERIES.read_text())["saved_queries"]
    assert len(saved) >= 7
    for query in saved:
        params = query["query_params"]
        # "ordered by its group-by items, time first" (the file's header)
        assert params.get("order_by"), f"{query['name']} has no order_by"
        assert params["order_by"] == params["group_by"], query["name"]
        assert params["order_by"][0].startswith("TimeDimension('metric_time'"), query["name"]
    text = SEMANTIC_DOC.read_text()
    listed = text[text.index("Saved queries, one per weekly leadership question") :]
    listed = listed[: listed.index("(`mf list saved-queries`)")]
    assert re.findall(r"`(\w+)`", listed) == [query["name"] for query in saved]

"""revenue_funnel installed as a package into a host project, as the README tells a user to.

The host (examples/host_project/) has its own dim_calendar, dim_users and stg_salesforce__leads,
a source named salesforce of its own, and its own copy of the seed funnel_stages (one label
changed) passed through the var revenue_funnel_config_tables. The README's section "Install into
your dbt project" is followed word for word: its packages.yml (the local clone pointed at this
checkout), its dbt_project.yml block (which the fixture must contain verbatim) and its commands.
The package's marts must then equal the standalone build's on the same raw data, table by table,
except the one label the host changed; the host's own models must stay the host's.

dbt 1.11 runs in the project's venv; dbt 1.10 (the oldest line require-dbt-version admits) in a
venv of its own under build/, from requirements-dbt-1.10.txt.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from compare_marts import compare
from conftest import DEMO_WAREHOUSE_LEADS
from dbt_runner import GENERATE_DEMO_DATA, PROJECT_DIR, query

HOST_FIXTURE = PROJECT_DIR / "examples" / "host_project"
README_SECTION = "## Install into your dbt project"
PACKAGE_SCHEMA = "main_revenue_funnel"  # dbt's default generate_schema_name: <target schema>_revenue_funnel
HOST_MODELS_NAMED_LIKE_THE_PACKAGE = ["dim_calendar", "dim_users", "stg_salesforce__leads"]
DBT_110_VENV = PROJECT_DIR / "build" / "venvs" / "dbt-1.10"


def readme_blocks() -> list[tuple[str, str]]:
    """The fenced code blocks (language, text) of the README's install section, in order."""
    readme = (PROJECT_DIR / "README.md").read_text()
    section = readme.split(README_SECTION, 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```(\w+)\n(.*?)```", section, flags=re.S)


def readme_block(language: str, containing: str) -> str:
    (block,) = [text for lang, text in readme_blocks() if lang == language and containing in text]
    return block


def make_host(work: Path) -> Path:
    """A copy of the host fixture with the README's packages.yml, a profile and the raw data."""
    host = work / "host_project"
    shutil.copytree(HOST_FIXTURE, host)
    packages = readme_block("yaml", "packages:")
    assert "- local: ../revenue_funnel" in packages, packages
    (host / "packages.yml").write_text(packages.replace("../revenue_funnel", str(PROJECT_DIR)))
    database = work / "host.duckdb"
    (host / "profiles.yml").write_text(
        "acme_analytics:\n  target: dev\n  outputs:\n    dev:\n"
        f"      type: duckdb\n      path: {database}\n      threads: 2\n"
    )
    generate = subprocess.run(
        [sys.executable, str(GENERATE_DEMO_DATA), "--quiet",
         "--leads", str(DEMO_WAREHOUSE_LEADS), "--duckdb", str(database)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert generate.returncode == 0, generate.stdout + generate.stderr
    return host


def run_commands(host: Path, commands: list[str], dbt: str) -> subprocess.CompletedProcess:
    """Run the README's commands in the host project (its own profiles.yml), stopping at a failure."""
    env = {**os.environ, "DBT_PROFILES_DIR": str(host), "DO_NOT_TRACK": "1"}
    env.pop("DBT_DUCKDB_PATH", None)
    result = None
    for command in commands:
        argv = command.split()
        assert argv[0] == "dbt", command
        result = subprocess.run(
            [dbt, *argv[1:]], cwd=host, env=env, capture_output=True, text=True, check=False
        )
        if result.returncode != 0:
            break
    assert result is not None
    return result


def readme_commands() -> list[str]:
    return [line for line in readme_block("bash", "dbt build").splitlines() if line.strip()]


def assert_marts_equal_standalone(standalone: Path, host_database: Path) -> None:
    """Every table of the package's schema equals the standalone build's, except dim_funnel_stages'
    label of the lead stage, which the host's own funnel_stages seed renames to Inquiry."""
    results, missing, added = compare(standalone, host_database, {}, after_schema=PACKAGE_SCHEMA)
    # The standalone warehouse of the tests is built without its snapshots; the host's has them,
    # in the package's schema too.
    assert not missing and added == ["snap_salesforce__leads", "snap_salesforce__opportunities"], (
        missing,
        added,
    )
    assert len(results) > 80
    different = {r.table: (r.only_before, r.only_after) for r in results if not r.equal}
    assert different == {"dim_funnel_stages": (1, 1)}, different
    labels = query(
        host_database,
        f"select funnel_stage, label_en from {PACKAGE_SCHEMA}.dim_funnel_stages order by stage_order",
    )
    assert labels[0] == ("lead", "Inquiry") and labels[1] == ("handled", "Handled by IS"), labels


def assert_host_models_untouched(host_database: Path) -> None:
    assert query(host_database, "select fiscal_year from main.dim_calendar") == [(2024,)]
    assert query(host_database, "select employee_id from main.dim_users") == [("E-0001",)]
    assert query(host_database, "select host_note from main.stg_salesforce__leads") == [("not a lead",)]


def test_the_fixture_holds_the_readme_block_word_for_word() -> None:
    block = readme_block("yaml", "vars:")
    assert block in (HOST_FIXTURE / "dbt_project.yml").read_text()
    assert readme_commands() == ["dbt deps", "dbt build --exclude-resource-type unit_test"]


@pytest.fixture(scope="module")
def host_built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    host = make_host(tmp_path_factory.mktemp("host_111"))
    result = run_commands(host, readme_commands(), str(Path(sys.executable).with_name("dbt")))
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    return host


def test_installed_package_builds_the_standalone_marts(host_built: Path, demo_warehouse: Path) -> None:
    host_database = host_built.parent / "host.duckdb"
    assert_marts_equal_standalone(demo_warehouse, host_database)
    assert_host_models_untouched(host_database)
    # Nothing of the package outside its schema: the host's main holds only the host's own.
    host_main = {row[0] for row in query(host_database, "select table_name from information_schema.tables "
                                         "where table_schema = 'main'")}  # fmt: skip
    assert host_main == {*HOST_MODELS_NAMED_LIKE_THE_PACKAGE, "acme_funnel_stages"}


def test_scheduled_job_runs_the_host_project(host_built: Path, tmp_path: Path) -> None:
    from run_job import main as run_job_main

    publish = tmp_path / "publish"
    exit_code = run_job_main(
        ["--project-dir", str(host_built), "--build-database", str(host_built.parent / "host.duckdb"),
         "--publish-dir", str(publish), "--runs-dir", str(tmp_path / "runs"),
         "--skip-freshness"]  # the demo's loads are months old; the fault suite tests the gate
    )  # fmt: skip
    assert exit_code == 0, sorted((tmp_path / "runs").rglob("job.log"))[-1].read_text()[-4000:]
    published = publish / "revenue_funnel.duckdb"
    tables = {row[0] for row in query(published, "select table_name from information_schema.tables")}
    # The package's public marts, not the host's models of the same names.
    assert {"fct_funnel_periods", "dim_calendar", "dim_users", "fct_kpi_controllability"} <= tables
    assert "stg_salesforce__leads" not in tables and "acme_funnel_stages" not in tables
    assert query(published, "select count(*) from dim_calendar where is_as_of_date") == [(1,)]


def dbt_110() -> str:
    """dbt 1.10 in a venv of its own (installed once, reused while the pins are unchanged)."""
    requirements = PROJECT_DIR / "requirements-dbt-1.10.txt"
    stamp = DBT_110_VENV / "installed-from.txt"
    if not stamp.is_file() or stamp.read_text() != requirements.read_text():
        shutil.rmtree(DBT_110_VENV, ignore_errors=True)
        subprocess.run([sys.executable, "-m", "venv", str(DBT_110_VENV)], check=True)
        install = subprocess.run(
            [str(DBT_110_VENV / "bin" / "pip"), "install", "--quiet", "-r", str(requirements)],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        assert install.returncode == 0, install.stdout[-3000:] + install.stderr[-3000:]
        stamp.write_text(requirements.read_text())
    return str(DBT_110_VENV / "bin" / "dbt")


def test_dbt_110_installs_the_package_and_refuses_a_misread_test(
    tmp_path: Path, demo_warehouse: Path
) -> None:
    dbt = dbt_110()
    version = subprocess.run([dbt, "--version"], capture_output=True, text=True, check=False).stdout
    assert "installed: 1.10." in version, version
    host = make_host(tmp_path)
    # dbt 1.10 has no require_ref_searches_node_package_before_root: the package's YAML tests on
    # dim_calendar, dim_users and stg_salesforce__leads would read the host's models. The run
    # stops before anything is built and names them.
    refused = run_commands(host, readme_commands(), dbt)
    assert refused.returncode != 0
    output = " ".join((refused.stdout + refused.stderr).split())
    for name in HOST_MODELS_NAMED_LIKE_THE_PACKAGE:
        assert f"model.acme_analytics.{name}" in output, output[-3000:]
    assert "require_ref_searches_node_package_before_root" in output
    package_tables = f"select * from information_schema.tables where table_schema = '{PACKAGE_SCHEMA}'"
    assert not query(tmp_path / "host.duckdb", package_tables)
    # Without the host models of the same names, dbt 1.10 builds the same marts.
    for name in HOST_MODELS_NAMED_LIKE_THE_PACKAGE:
        next(host.rglob(f"{name}.sql")).unlink()
    # dbt 1.10's partial parsing keeps the removed models' test dependencies: parse afresh
    built = run_commands(host, ["dbt build --no-partial-parse --exclude-resource-type unit_test"], dbt)
    assert built.returncode == 0, built.stdout[-6000:]
    assert_marts_equal_standalone(demo_warehouse, tmp_path / "host.duckdb")

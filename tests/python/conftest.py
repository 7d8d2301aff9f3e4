from pathlib import Path

import pytest

# The scripts/ modules (demo_data, dashboard, ...) come from the editable install (`make install`),
# dbt_runner and faults from pytest's pythonpath (pyproject.toml).

DEMO_WAREHOUSE_LEADS = 3000


@pytest.fixture(scope="session")
def demo_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small demo warehouse built once per test session and shared by the tests that need one
    (dashboard, documentation): DEMO_WAREHOUSE_LEADS leads from scripts/generate_demo_data.py,
    then `dbt build` of the seeds and models (the dbt data tests run in `make dbt-test`)."""
    from dbt_runner import generate_raw_duckdb, run_dbt

    work = tmp_path_factory.mktemp("demo_warehouse")
    database = work / "revenue_funnel_demo.duckdb"
    generate_raw_duckdb(database, DEMO_WAREHOUSE_LEADS)
    build = run_dbt(
        ["build", "--full-refresh", "--resource-type", "seed", "--resource-type", "model"], database, work
    )
    assert build.returncode == 0, build.output[-6000:]
    return database


@pytest.fixture(scope="session")
def project_manifest(demo_warehouse: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The manifest of one fresh `dbt parse` of the project, shared by the documentation and
    structure checks. Read-only: a test that breaks it on purpose works on a deep copy."""
    import json

    from dbt_runner import run_dbt

    work = tmp_path_factory.mktemp("project_parse")
    result = run_dbt(["parse"], demo_warehouse, work)
    assert result.returncode == 0, result.output[-4000:]
    return json.loads((work / "target" / "manifest.json").read_text())

from pathlib import Path

import pytest

# The scripts/ modules (demo_data, dashboard, ...) come from the editable install (`make install`),
# dbt_runner and faults from pytest's pythonpath (pyproject.toml).

DEMO_WAREHOUSE_LEADS = 3000

# The two files whose module fixtures take minutes (the Spark golden's setup, ~450 s; the fault
# suite's baselines and cases) go first. `make pytest` hands each file whole to one of two
# workers in collection order (--dist loadfile --no-loadscope-reorder), so they start at once
# and the many short files fill the other worker, instead of a long file starting last.
SLOW_FILES_FIRST = ("test_spark.py", "test_fault_injection.py")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Move the slow files' tests to the front; the order within each file is kept (stable sort)."""
    rank = {name: position for position, name in enumerate(SLOW_FILES_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(SLOW_FILES_FIRST)))


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

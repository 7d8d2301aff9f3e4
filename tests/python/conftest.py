import subprocess
import sys
from pathlib import Path

import pytest

# Tests import the generator package (scripts/demo_data) and the dbt runner helper.
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

DEMO_WAREHOUSE_LEADS = 3000


@pytest.fixture(scope="session")
def demo_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small demo warehouse built once per test session and shared by the tests that need one
    (dashboard, documentation): DEMO_WAREHOUSE_LEADS leads from scripts/generate_demo_data.py,
    then `dbt build` of the seeds and models (the dbt data tests run in `make dbt-test`)."""
    from dbt_runner import PROJECT_DIR, run_dbt

    work = tmp_path_factory.mktemp("demo_warehouse")
    database = work / "revenue_funnel_demo.duckdb"
    generate = subprocess.run(
        [
            sys.executable,
            str(PROJECT_DIR / "scripts" / "generate_demo_data.py"),
            "--quiet",
            "--leads",
            str(DEMO_WAREHOUSE_LEADS),
            "--duckdb",
            str(database),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert generate.returncode == 0, generate.stdout + generate.stderr
    build = run_dbt(
        ["build", "--full-refresh", "--resource-type", "seed", "--resource-type", "model"], database, work
    )
    assert build.returncode == 0, build.output[-6000:]
    return database

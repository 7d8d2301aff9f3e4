"""A tiny hand-written raw fixture in Salesforce API spelling (Id, IsDeleted, ...),
loaded as all-text columns, must go through staging with every row accounted for.

Expected values below are read off the CSVs in fixtures/api_names by hand.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from dbt_runner import load_csv_tables, query, run_dbt

FIXTURE_DIR = Path(__file__).parent / "fixtures" / "api_names"
# The whole project, not staging alone: the API spelling must reach the marts too.
STAGING: list[str] = []


@pytest.fixture(scope="module")
def staged(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("api_names")
    database = work / "fixture.duckdb"
    load_csv_tables(database, FIXTURE_DIR)
    seed = run_dbt(["seed"], database, work)
    assert seed.returncode == 0, seed.output
    build = run_dbt(["build", *STAGING], database, work)
    assert build.returncode == 0, build.output
    return database


def test_latest_version_of_resynced_lead_wins(staged: Path) -> None:
    rows = query(staged, "select lead_status from stg_salesforce__leads where lead_id = '00Q000000000000002'")
    assert rows == [("Open",)]


def test_deleted_and_id_less_leads_are_excluded_and_counted(staged: Path) -> None:
    lead_ids = {r[0] for r in query(staged, "select lead_id from stg_salesforce__leads")}
    assert lead_ids == {"00Q000000000000001", "00Q000000000000002", "00Q000000000000003"}
    audit = query(
        staged,
        """
        select raw_row_count, staged_row_count, missing_id_excluded_row_count,
               duplicate_excluded_row_count, merged_excluded_row_count,
               deleted_excluded_row_count, test_flagged_row_count
        from audit_salesforce_row_counts where source_table = 'lead'
        """,
    )
    assert audit == [(6, 3, 1, 1, 0, 1, 1)]


def test_test_lead_is_flagged_not_dropped(staged: Path) -> None:
    rows = query(staged, "select lead_id from stg_salesforce__leads where is_test_lead")
    assert rows == [("00Q000000000000003",)]


def test_merged_account_points_to_survivor(staged: Path) -> None:
    assert query(staged, "select account_id from stg_salesforce__accounts") == [("001000000000000001",)]
    merges = query(
        staged, "select merged_record_id, master_record_id, object_type from stg_salesforce__record_merges"
    )
    assert merges == [("001000000000000002", "001000000000000001", "account")]


def test_text_columns_are_cast_and_absent_columns_are_typed_nulls(staged: Path) -> None:
    amount, currency, is_won, loss_reason = query(
        staged, "select amount_local, currency_code, is_won, loss_reason from stg_salesforce__opportunities"
    )[0]
    assert amount == 25000.0 and isinstance(amount, float)
    assert (currency, is_won, loss_reason) == ("EUR", True, None)
    types = dict(
        query(
            staged,
            "select column_name, data_type from information_schema.columns "
            "where table_name = 'stg_salesforce__leads'",
        )
    )
    # lead_rating and loaded_at are absent from the fixture: typed nulls, not missing columns.
    assert types["lead_rating"] == "VARCHAR"
    assert types["loaded_at"] == "TIMESTAMP"
    assert types["employee_count"] == "BIGINT"
    assert "secret_score__c" not in {name.lower() for name in types}


def test_every_raw_row_is_accounted_for(staged: Path) -> None:
    unbalanced = query(
        staged,
        """
        select source_table from audit_salesforce_row_counts
        where raw_row_count != staged_row_count + missing_id_excluded_row_count
            + duplicate_excluded_row_count + merged_excluded_row_count + deleted_excluded_row_count
        """,
    )
    assert unbalanced == []
    assert query(staged, "select sum(raw_row_count) from audit_salesforce_row_counts") == [(28,)]


def test_flag_mode_keeps_deleted_leads(tmp_path: Path) -> None:
    database = tmp_path / "flag.duckdb"
    load_csv_tables(database, FIXTURE_DIR)
    assert run_dbt(["seed"], database, tmp_path).returncode == 0
    build = run_dbt(["build", *STAGING], database, tmp_path, {"salesforce_deleted_records": "flag"})
    assert build.returncode == 0, build.output
    deleted = "select is_deleted from stg_salesforce__leads where lead_id = '00Q000000000000004'"
    assert query(database, deleted) == [(True,)]
    assert query(
        database,
        "select deleted_flagged_row_count from audit_salesforce_row_counts where source_table = 'lead'",
    ) == [(1,)]


def test_missing_required_column_is_a_clear_error(tmp_path: Path) -> None:
    csv_dir = tmp_path / "csv"
    shutil.copytree(FIXTURE_DIR, csv_dir)
    task_csv = csv_dir / "task.csv"
    lines = task_csv.read_text().splitlines()
    task_csv.write_text("\n".join(",".join(line.split(",")[1:]) for line in lines) + "\n")
    database = tmp_path / "broken.duckdb"
    load_csv_tables(database, csv_dir)
    result = run_dbt(["run", "--select", "base_salesforce__task"], database, tmp_path)
    assert result.returncode != 0
    assert "has no column 'id'" in result.output


def test_hostile_var_is_refused_at_compile_time(tmp_path: Path) -> None:
    database = tmp_path / "hostile.duckdb"
    load_csv_tables(database, FIXTURE_DIR)
    result = run_dbt(
        ["run", "--select", "base_salesforce__lead"],
        database,
        tmp_path,
        {"salesforce_deleted_records": "exclude'; drop table salesforce.lead; --"},
    )
    assert result.returncode != 0
    assert "allowed values: exclude, flag" in result.output
    assert query(database, "select count(*) from salesforce.lead") == [(6,)]


def test_api_spelled_lead_reaches_the_funnel_mart(staged: Path) -> None:
    # Lead 1: IS call on Jan 3 11:00, First Meeting booked Jan 8 15:00, Qualification on
    # Jan 20, won on Mar 15 at 25,000 EUR; the EUR rate from Mar 1 is 0.95 per USD.
    row = query(
        staged,
        """
        select handled_at, appointment_at, pipeline_at, won_at, round(won_amount, 6), source_channel,
               icp_tier, is_excluded
        from fct_funnel_leads where lead_id = '00Q000000000000001'
        """,
    )[0]
    assert [str(value) for value in row[:4]] == [
        "2025-01-03 11:00:00",
        "2025-01-08 15:00:00",
        "2025-01-20 09:00:00",
        "2025-03-15 12:00:00",
    ]
    assert row[4] == round(25000 / 0.95, 6)
    # Software with 450 employees is Tier A by the seed icp_rules.
    assert row[5:] == ("Webinar", "A", False)

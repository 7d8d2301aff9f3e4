"""Tests of the demo-data generator (scripts/generate_demo_data.py, package scripts/demo_data).

Expected values come from the generator's specification (the contract YAML, the business
rules and the dirt proportions), never from a previous run of the generator.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import subprocess
import sys
from pathlib import Path

import duckdb
import generate_demo_data
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
import yaml
from demo_data.config import DIRT_KINDS
from demo_data.contract import api_name

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "generate_demo_data.py"
CONTRACT = ROOT / "models" / "staging" / "salesforce" / "_salesforce__sources.yml"
LEADS = 3000
END = dt.date(2026, 9, 30)
MONTHS = 24
SYNCED = dt.datetime(2026, 10, 1, 2, 0)
LAST_SECOND = dt.datetime(2026, 9, 30, 23, 59, 59)

DUCKDB_TYPES = {
    "string": "VARCHAR",
    "integer": "BIGINT",
    "float": "DOUBLE",
    "boolean": "BOOLEAN",
    "date": "DATE",
    "timestamp": "TIMESTAMP",
}
PREFIXES = {
    "account": "001",
    "contact": "003",
    "lead": "00Q",
    "campaign": "701",
    "campaign_member": "00v",
    "opportunity": "006",
    "opportunity_history": "008",
    "task": "00T",
    "event": "00U",
    "user": "005",
    "user_role": "00E",
    "currency_type": "02i",
    "dated_conversion_rate": "04w",
}
# Record tables whose older, re-synced copies are dirt (kind "duplicates").
DUPLICATED = (
    "lead",
    "contact",
    "opportunity",
    "campaign_member",
    "task",
    "event",
    "opportunity_history",
)
NOT_JUNK = "company <> 'Test'"


def contract_columns() -> dict[str, list[tuple[str, str]]]:
    """Table -> [(column, abstract type)] straight from the YAML (independent of demo_data)."""
    doc = yaml.safe_load(CONTRACT.read_text(encoding="utf-8"))
    (source,) = [s for s in doc["sources"] if s["name"] == "revenue_funnel_salesforce"]
    return {
        t["name"]: [(c["name"], c["data_type"]) for c in t["columns"]] for t in source["tables"]
    }


def run(*args: str) -> None:
    assert generate_demo_data.main(["--quiet", *args]) == 0


def build(path: Path, *args: str, leads: int = LEADS) -> Path:
    run("--leads", str(leads), "--duckdb", str(path), *args)
    return path


def scalar(con: duckdb.DuckDBPyConnection, sql: str):
    return con.sql(sql).fetchall()[0][0]


def open_latest(path: Path) -> duckdb.DuckDBPyConnection:
    """A read-only connection to a generated file with views v_<table>: the latest version of
    every record, soft-deleted ones removed."""
    con = duckdb.connect(str(path), read_only=True)
    for table in (*DUPLICATED, "account"):
        con.execute(
            f"""create or replace temp view v_{table} as
            select * exclude (version) from (
                select *, row_number() over (
                    partition by id order by system_modstamp desc, _fivetran_synced desc
                ) as version
                from salesforce.{table}
            ) where version = 1 and not is_deleted"""
        )
    return con


def content_digest(path: Path) -> str:
    con = duckdb.connect(str(path), read_only=True)
    digest = hashlib.sha256()
    for table in sorted(PREFIXES):
        for row in con.sql(f'select * from salesforce."{table}" order by all').fetchall():
            digest.update(repr(row).encode())
    con.close()
    return digest.hexdigest()


@pytest.fixture(scope="session")
def full_db(tmp_path_factory) -> Path:
    return build(tmp_path_factory.mktemp("full") / "raw.duckdb")


@pytest.fixture(scope="session")
def clean_db(tmp_path_factory) -> Path:
    return build(tmp_path_factory.mktemp("clean") / "raw.duckdb", "--no-dirt")


@pytest.fixture(scope="session")
def clean(clean_db):
    with open_latest(clean_db) as con:
        yield con


@pytest.fixture(scope="session")
def full(full_db):
    with open_latest(full_db) as con:
        yield con


@pytest.fixture(scope="session")
def dirt_only(tmp_path_factory):
    """One database per dirt kind, generated with only that kind switched on."""
    cache: dict[str, duckdb.DuckDBPyConnection] = {}

    def get(kind: str) -> duckdb.DuckDBPyConnection:
        if kind not in cache:
            cache[kind] = open_latest(build(tmp_path_factory.mktemp(kind) / "raw.duckdb", "--dirt", kind))
        return cache[kind]

    yield get
    for con in cache.values():
        con.close()


# --- contract ---------------------------------------------------------------------------------
def test_every_table_has_exactly_the_contract_columns_and_types(full):
    expected = contract_columns()
    assert len(expected) == 15  # opportunity_contact_role and record_type included
    expected["lead"].append(("region_c", "string"))
    for table, columns in expected.items():
        actual = full.sql(
            "select column_name, data_type from information_schema.columns "
            f"where table_schema = 'salesforce' and table_name = '{table}' "
            "order by ordinal_position"
        ).fetchall()
        assert actual == [(name, DUCKDB_TYPES[dtype]) for name, dtype in columns], table


def test_generator_follows_a_changed_contract(tmp_path):
    doc = yaml.safe_load(CONTRACT.read_text(encoding="utf-8"))
    (source,) = [s for s in doc["sources"] if s["name"] == "revenue_funnel_salesforce"]
    (user_role,) = [t for t in source["tables"] if t["name"] == "user_role"]
    user_role["columns"] = [c for c in user_role["columns"] if c["name"] != "parent_role_id"]
    user_role["columns"].append({"name": "rollup_description", "data_type": "string"})
    changed = tmp_path / "sources.yml"
    changed.write_text(yaml.safe_dump(doc), encoding="utf-8")
    db = build(tmp_path / "raw.duckdb", "--contract", str(changed), leads=200)
    con = duckdb.connect(str(db), read_only=True)
    columns = [
        r[0]
        for r in con.sql(
            "select column_name from information_schema.columns where table_name = 'user_role' "
            "order by ordinal_position"
        ).fetchall()
    ]
    assert "parent_role_id" not in columns
    assert columns[-1] == "rollup_description"
    assert scalar(con, "select count(rollup_description) from salesforce.user_role") == 0
    con.close()


def test_ids_are_18_characters_with_the_object_prefix(full):
    for table, prefix in PREFIXES.items():
        bad = scalar(
            full,
            f'select count(*) from salesforce."{table}" '
            f"where length(id) <> 18 or id[1:3] <> '{prefix}' or id is null",
        )
        assert bad == 0, table
        assert scalar(full, f'select count(*) from salesforce."{table}"') > 0, table


def test_timestamps_are_consistent_and_the_load_time_is_fixed(clean):
    for table, columns in contract_columns().items():
        names = {name for name, _ in columns}
        rel = f'salesforce."{table}"'
        assert (
            scalar(clean, f"select count(*) from {rel} where _fivetran_synced <> '{SYNCED}'") == 0
        )
        if {"created_date", "system_modstamp"} <= names:
            sql = f"select count(*) from {rel} where system_modstamp < created_date"
            assert scalar(clean, sql) == 0, table
        for column in ("created_date", "system_modstamp"):
            if column in names:
                late = f"select count(*) from {rel} where {column} > '{LAST_SECOND}'"
                assert scalar(clean, late) == 0, (table, column)


# --- determinism ------------------------------------------------------------------------------
def test_same_arguments_give_identical_content(tmp_path, full_db):
    again = build(tmp_path / "again.duckdb")
    assert content_digest(again) == content_digest(full_db)


def test_another_seed_gives_other_data(tmp_path, full_db):
    other = build(tmp_path / "other.duckdb", "--seed", "43")
    assert content_digest(other) != content_digest(full_db)


def test_file_outputs_are_byte_identical_and_one_file_per_table(tmp_path):
    tables = set(contract_columns())
    for fmt in ("parquet", "csv"):
        digests = []
        for attempt in ("a", "b"):
            out = tmp_path / f"{fmt}-{attempt}"
            run("--leads", "1500", "--format", fmt, "--out-dir", str(out))
            files = sorted(out.iterdir())
            assert {f.name for f in files} == {f"{t}.{fmt}" for t in tables}
            digests.append([hashlib.sha256(f.read_bytes()).hexdigest() for f in files])
        assert digests[0] == digests[1], fmt
    header = pacsv.read_csv(tmp_path / "csv-a" / "opportunity.csv").column_names
    assert header == [name for name, _ in contract_columns()["opportunity"]]
    lead = pq.read_table(tmp_path / "parquet-a" / "lead.parquet")
    assert lead.column_names[-1] == "region_c"
    assert str(lead.schema.field("created_date").type) == "timestamp[us]"


# --- API spelling -----------------------------------------------------------------------------
def test_api_name_spelling():
    assert api_name("id") == "Id"
    assert api_name("is_deleted") == "IsDeleted"
    assert api_name("converted_opportunity_id") == "ConvertedOpportunityId"
    assert api_name("disqualification_reason_c") == "Disqualification_Reason__c"
    assert api_name("system_modstamp") == "SystemModstamp"


def test_api_names_output(tmp_path):
    db = build(tmp_path / "api.duckdb", "--api-names", leads=300)
    con = duckdb.connect(str(db), read_only=True)

    def columns(table: str) -> list[str]:
        sql = (
            "select column_name from information_schema.columns "
            f"where table_name = '{table}' order by ordinal_position"
        )
        return [r[0] for r in con.sql(sql).fetchall()]

    lead = columns("lead")
    assert lead[0] == "Id"
    for name in ("IsDeleted", "ConvertedOpportunityId", "Disqualification_Reason__c", "Region__c"):
        assert name in lead
    for table in PREFIXES:
        assert not [c for c in columns(table) if c.startswith("_") or "_fivetran" in c.lower()]
    assert "Loss_Reason__c" in columns("opportunity")
    assert scalar(con, 'select count(*) from salesforce.lead where "Id" is null') == 0
    con.close()


# --- business simulation --------------------------------------------------------------------
def test_lead_to_appointment_and_handling_shares(clean):
    leads = scalar(clean, f"select count(*) from v_lead where {NOT_JUNK}")
    assert leads == LEADS
    appointed = scalar(
        clean,
        "select count(distinct who_id) from v_event where type = 'First Meeting'",
    )
    assert 0.15 <= appointed / leads <= 0.28
    handled = scalar(
        clean,
        "select count(distinct who_id) from v_task "
        "where type in ('Call', 'Email') and who_id like '00Q%'",
    )
    assert 0.78 <= handled / leads <= 0.92


def test_conversions_are_consistent(full):
    missing = scalar(
        full,
        "select count(*) from v_lead where is_converted and ("
        "converted_opportunity_id not in (select id from v_opportunity) or "
        "converted_contact_id not in (select id from v_contact) or "
        "converted_account_id not in (select id from v_account) or converted_date is null)",
    )
    assert missing == 0
    fm_not_lead = scalar(
        full,
        "select count(*) from salesforce.event where type = 'First Meeting' "
        "and who_id not in (select id from salesforce.lead)",
    )
    assert fm_not_lead == 0
    no_history = scalar(
        full,
        "select count(*) from v_opportunity "
        "where id not in (select opportunity_id from v_opportunity_history)",
    )
    assert no_history == 0
    won_flags = scalar(
        full,
        "select count(*) from v_opportunity where stage_name = 'Closed Won' "
        "and not (is_won and is_closed)",
    )
    assert won_flags == 0
    assert scalar(full, "select count(*) from v_opportunity where stage_name = 'Closed Won'") > 0


def test_every_opportunity_comes_from_a_converted_lead(clean):
    opps = scalar(clean, "select count(*) from v_opportunity")
    converted = scalar(clean, "select count(*) from v_lead where is_converted")
    assert opps == converted
    appointed = scalar(clean, "select count(*) from v_event where type = 'First Meeting'")
    skipped = (opps - appointed) / opps  # opportunities without a recorded appointment
    assert 0.005 <= skipped <= 0.08
    first_stage = clean.sql(
        "select stage_name, count(*) from v_opportunity_history h "
        "where created_date = (select min(created_date) from v_opportunity_history x "
        "where x.opportunity_id = h.opportunity_id) group by 1"
    ).fetchall()
    assert {stage for stage, _ in first_stage} == {"Appointment", "Qualification"}


def test_funnel_rates_are_in_realistic_ranges(clean):
    opps = scalar(clean, "select count(*) from v_opportunity")
    pipeline = scalar(
        clean,
        "select count(distinct opportunity_id) from v_opportunity_history "
        "where stage_name = 'Qualification'",
    )
    assert 0.40 <= pipeline / opps <= 0.70
    won, lost_in_pipeline = clean.sql(
        "select count(*) filter (where is_won), count(*) filter (where not is_won) "
        "from v_opportunity o where is_closed and exists (select 1 from v_opportunity_history h "
        "where h.opportunity_id = o.id and h.stage_name = 'Qualification')"
    ).fetchall()[0]
    assert 0.25 <= won / (won + lost_in_pipeline) <= 0.50
    median_usd = scalar(
        clean, "select median(amount) from v_opportunity where currency_iso_code = 'USD'"
    )
    assert 12_000 <= median_usd <= 50_000
    open_stages = scalar(
        clean,
        "select count(*) from v_opportunity where not is_closed and stage_name like 'Closed%'",
    )
    assert open_stages == 0
    reused = 1 - scalar(
        clean,
        "select count(distinct converted_account_id) / count(*) from v_lead where is_converted",
    )
    assert 0.10 <= reused <= 0.35


def test_channels_differ_in_quantity_and_quality(clean):
    rows = clean.sql(
        "select lead_source, count(*), avg(is_converted::int) from v_lead group by 1"
    ).fetchall()
    stats = {source: (n, rate) for source, n, rate in rows}
    assert set(stats) == {
        "Webinar",
        "Trade Show",
        "Paid Search",
        "Content",
        "Referral",
        "Email",
        "Partner",
    }
    assert stats["Paid Search"][0] > 3 * stats["Referral"][0]
    assert stats["Referral"][1] > 2 * stats["Paid Search"][1]
    assert stats["Trade Show"][1] > stats["Content"][1]


def test_every_lead_responds_first_to_its_sourcing_campaign(clean):
    without = scalar(
        clean,
        "select count(*) from v_lead l where not exists (select 1 from v_campaign_member m "
        "where m.lead_id = l.id and m.has_responded "
        "and m.first_responded_date = l.created_date::date)",
    )
    assert without == 0
    silent, total = clean.sql(
        "select count(*) filter (where not has_responded), count(*) from v_campaign_member"
    ).fetchall()[0]
    assert 0.05 <= silent / total <= 0.16
    bad_silent = scalar(
        clean,
        "select count(*) from v_campaign_member where not has_responded "
        "and (first_responded_date is not null or status <> 'Sent')",
    )
    assert bad_silent == 0
    after_conversion = scalar(
        clean,
        "select count(*) from v_campaign_member where contact_id is not null "
        "and lead_id is not null",
    )
    assert after_conversion > 0


def test_campaign_hierarchy_and_costs(clean):
    parents = clean.sql(
        "select name, type from salesforce.campaign where parent_id is null"
    ).fetchall()
    assert parents and all(name.endswith(f"{kind} programme") for name, kind in parents)
    children, no_actual, orphans = clean.sql(
        "select count(*), count(*) filter (where actual_cost is null), "
        "count(*) filter (where parent_id not in (select id from salesforce.campaign)) "
        "from salesforce.campaign where parent_id is not null"
    ).fetchall()[0]
    assert orphans == 0
    assert 0.05 <= no_actual / children <= 0.30
    median_cost = dict(
        clean.sql(
            "select type, median(budgeted_cost) from salesforce.campaign "
            "where parent_id is not null and currency_iso_code = 'USD' group by 1"
        ).fetchall()
    )
    assert median_cost["Trade Show"] > 3 * median_cost["Content"]


def test_roles_users_and_currencies(clean):
    roles = {r[0] for r in clean.sql("select developer_name from salesforce.user_role").fetchall()}
    assert roles == {
        "Marketing_Manager",
        "Marketing_Specialist",
        "IS_Manager",
        "IS_Rep",
        "FS_Manager",
        "Account_Executive",
        "Customer_Success",
        "CEO",
    }
    counts = dict(
        clean.sql(
            "select r.developer_name, count(*) from salesforce.user u "
            "join salesforce.user_role r on r.id = u.user_role_id group by 1"
        ).fetchall()
    )
    assert counts["IS_Rep"] >= max(6, LEADS // 400 - 1)
    assert counts["Account_Executive"] >= 6
    assert scalar(clean, "select count(*) from salesforce.user where not is_active") >= 1
    lead_owner_roles = clean.sql(
        "select distinct r.developer_name from v_lead l "
        "join salesforce.user u on u.id = l.owner_id "
        "join salesforce.user_role r on r.id = u.user_role_id"
    ).fetchall()
    assert lead_owner_roles == [("IS_Rep",)]
    currencies = clean.sql(
        "select iso_code, is_corporate, conversion_rate from salesforce.currency_type order by 1"
    ).fetchall()
    assert [c[0] for c in currencies] == ["EUR", "GBP", "JPY", "USD"]
    assert currencies[3][1:] == (True, 1.0)
    rates = dict(
        clean.sql(
            "select iso_code, count(*) from salesforce.dated_conversion_rate group by 1"
        ).fetchall()
    )
    assert rates == {"USD": MONTHS, "EUR": MONTHS, "GBP": MONTHS, "JPY": MONTHS}
    assert (
        scalar(
            clean,
            "select count(*) from salesforce.dated_conversion_rate where iso_code = 'USD' "
            "and conversion_rate <> 1.0",
        )
        == 0
    )


# --- dirt -------------------------------------------------------------------------------------
def dirt_signals(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """How much of each dirt kind a database shows."""
    dup = sum(
        scalar(con, f"select count(*) - count(distinct id) from salesforce.{t}") for t in DUPLICATED
    )
    deleted = sum(
        scalar(con, f"select count(*) from salesforce.{t} where is_deleted and {cond}")
        for t, cond in (
            ("lead", "master_record_id is null"),
            ("contact", "master_record_id is null"),
            ("account", "master_record_id is null"),
            ("campaign_member", "true"),
            ("task", "true"),
            ("event", "true"),
        )
    )
    return {
        "deleted": deleted,
        "duplicates": dup,
        "merged": sum(
            scalar(con, f"select count(master_record_id) from salesforce.{t}")
            for t in ("lead", "contact", "account")
        ),
        "test_leads": scalar(
            con,
            "select count(*) from salesforce.lead where email like '%@example.com' "
            "or last_name = 'Test' or company = 'Test'",
        ),
        "unmapped": scalar(
            con,
            "select count(*) from salesforce.opportunity_history "
            "where stage_name = 'Legacy Discovery'",
        )
        + scalar(
            con, "select count(*) from salesforce.user_role where developer_name = 'Sales_Ops'"
        ),
        "null_owners": scalar(con, "select count(*) from salesforce.lead where owner_id is null"),
        "missing_rates": MONTHS * 4
        - scalar(con, "select count(*) from salesforce.dated_conversion_rate"),
    }


def test_no_dirt_leaves_none(clean):
    assert dirt_signals(clean) == dict.fromkeys(DIRT_KINDS, 0)


def test_all_dirt_shows_every_kind(full):
    signals = dirt_signals(full)
    assert all(signals[kind] > 0 for kind in DIRT_KINDS), signals


@pytest.mark.parametrize("kind", DIRT_KINDS)
def test_each_dirt_kind_alone_shows_only_itself(dirt_only, kind):
    signals = dirt_signals(dirt_only(kind))
    assert signals[kind] > 0
    assert {k: v for k, v in signals.items() if k != kind} == {
        k: 0 for k in DIRT_KINDS if k != kind
    }


def test_deleted_dirt(dirt_only):
    con = dirt_only("deleted")
    deleted = scalar(
        con, "select count(*) from salesforce.lead where is_deleted and master_record_id is null"
    )
    assert 0.004 <= deleted / LEADS <= 0.02
    assert (
        scalar(con, "select count(*) from salesforce.lead where is_deleted and is_converted") == 0
    )
    live_children = scalar(
        con,
        "select (select count(*) from salesforce.campaign_member m join salesforce.lead l "
        "on l.id = m.lead_id where l.is_deleted and not m.is_deleted) + "
        "(select count(*) from salesforce.task t join salesforce.lead l on l.id = t.who_id "
        "where l.is_deleted and not t.is_deleted)",
    )
    assert live_children == 0
    # nothing kept points to a deleted account, contact, opportunity or campaign
    dangling = scalar(
        con,
        "select count(*) from v_opportunity where account_id not in (select id from v_account) "
        "or contact_id not in (select id from v_contact)",
    )
    assert dangling == 0
    alone = scalar(
        con,
        "select count(*) from salesforce.task t join salesforce.lead l on l.id = t.who_id "
        "where t.is_deleted and not l.is_deleted",
    )
    assert alone > 0


def test_duplicates_dirt(dirt_only):
    con = dirt_only("duplicates")
    for table in DUPLICATED:
        rows, ids = con.sql(
            f"select count(*), count(distinct id) from salesforce.{table}"
        ).fetchall()[0]
        assert 0.01 <= (rows - ids) / ids <= 0.035, table
        # the extra copy is older in both system_modstamp and load time
        newer_copy = scalar(
            con,
            f"""select count(*) from (
                select id, max(system_modstamp) m, max(_fivetran_synced) s,
                    arg_max(_fivetran_synced, system_modstamp) s_of_latest
                from salesforce.{table} group by id having count(*) > 1
            ) where s_of_latest <> s or s <> '{SYNCED}'""",
        )
        assert newer_copy == 0, table
    changed = scalar(
        con,
        "select count(*) from (select id from salesforce.lead group by id "
        "having count(distinct status) > 1 or count(distinct is_converted) > 1)",
    )
    assert changed > 0


def test_merged_dirt(dirt_only):
    con = dirt_only("merged")
    losers = scalar(con, "select count(*) from salesforce.lead where master_record_id is not null")
    assert 0.002 <= losers / LEADS <= 0.01
    bad = scalar(
        con,
        "select count(*) from salesforce.lead l where master_record_id is not null and ("
        "not is_deleted or master_record_id not in (select id from salesforce.lead "
        "where not is_deleted))",
    )
    assert bad == 0
    pointing_to_loser = scalar(
        con,
        "select count(*) from salesforce.campaign_member m join salesforce.lead l "
        "on l.id = m.lead_id where l.master_record_id is not null",
    )
    assert pointing_to_loser == 0


def test_test_leads_dirt(dirt_only):
    con = dirt_only("test_leads")
    junk = scalar(con, "select count(*) from salesforce.lead where company = 'Test'")
    assert 0.002 <= junk / LEADS <= 0.01
    marked = scalar(
        con,
        "select count(*) from salesforce.lead where company = 'Test' "
        "and (email like '%@example.com' or last_name = 'Test')",
    )
    assert marked == junk
    converted = scalar(
        con, "select count(*) from salesforce.lead where company = 'Test' and is_converted"
    )
    assert converted == 0


def test_unmapped_null_owner_and_missing_rate_dirt(dirt_only):
    con = dirt_only("unmapped")
    history = scalar(con, "select count(*) from salesforce.opportunity_history")
    legacy = scalar(
        con,
        "select count(*) from salesforce.opportunity_history where stage_name = 'Legacy Discovery'",
    )
    assert 0.001 <= legacy / history <= 0.015
    assert (
        scalar(
            con,
            "select count(*) from salesforce.user u join salesforce.user_role r "
            "on r.id = u.user_role_id where r.developer_name = 'Sales_Ops'",
        )
        == 1
    )
    con = dirt_only("null_owners")
    nulls = scalar(con, "select count(*) from salesforce.lead where owner_id is null")
    assert 0.002 <= nulls / LEADS <= 0.01
    con = dirt_only("missing_rates")
    rates = dict(
        con.sql(
            "select iso_code, count(*) from salesforce.dated_conversion_rate group by 1"
        ).fetchall()
    )
    assert rates == {"USD": MONTHS, "EUR": MONTHS - 1, "GBP": MONTHS, "JPY": MONTHS}


# --- CLI --------------------------------------------------------------------------------------
def test_cli_help_and_summary(tmp_path):
    helped = subprocess.run(
        [sys.executable, str(SCRIPT), "--help"], capture_output=True, text=True, check=True
    )
    for option in ("--leads", "--seed", "--duckdb", "--format", "--api-names", "--no-dirt"):
        assert option in helped.stdout
    done = subprocess.run(
        [
            sys.executable,
            str(SCRIPT),
            "--leads",
            "200",
            "--quiet",
            "--duckdb",
            str(tmp_path / "x.db"),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    lines = done.stdout.splitlines()
    for table in PREFIXES:
        assert any(line.split()[0] == table and line.rstrip().endswith("rows") for line in lines)
    assert done.stderr == ""
    bad = subprocess.run(
        [sys.executable, str(SCRIPT), "--dirt", "nonsense", "--duckdb", str(tmp_path / "y.db")],
        capture_output=True,
        text=True,
    )
    assert bad.returncode != 0

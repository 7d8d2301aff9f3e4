"""scripts/inspect_crm.py on a hand-made raw org (fixtures/inspect_org, loaded as all-text
tables) and on demo data, on DuckDB and on Postgres. No dbt runs here.

The fixture mixes the API spelling (lead, task, user, record_type, opportunity_contact_role,
currency_type) with the Fivetran snake spelling (account, contact, opportunity,
opportunity_history, user_role); campaign, campaign_member, event and dated_conversion_rate
are absent. Every expected count below is worked out by hand from those CSVs (see the
comments) against the seeds pinned in this file, so edits to seeds/ do not move them.

The Postgres tests (--target postgres) load the same CSVs into a Postgres database of their
own (scripts/start_postgres.sh's server; the database is dropped at the end) and require the
report of the DuckDB run, normalised only where the engines legitimately differ: the header
naming the database and the raw column type names (Postgres `text`, DuckDB `VARCHAR`). A
server that cannot be started is a failure; REVENUE_FUNNEL_SKIP_POSTGRES=1 skips them.
"""

from __future__ import annotations

import csv
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import duckdb
import inspect_crm
import pytest
import yaml
from dbt_runner import (
    PROJECT_DIR,
    generate_raw_duckdb,
    load_csv_tables,
    load_raw_postgres,
    own_postgres_database,
    postgres_dsn,
    skipped_on_purpose,
)

SCRIPT = PROJECT_DIR / "scripts" / "inspect_crm.py"
FIXTURE_DIR = Path(__file__).parent / "fixtures" / "inspect_org"
DEMO_LEADS = 300

# The seeds the fixture expectations were computed against (copies of seeds/ when written).
PINNED_SEEDS = {
    "opportunity_stage_mapping.csv": (
        "stage_name,funnel_stage,stage_order,is_closed,is_won,record_type\n"
        "Appointment,appointment,1,false,false,\n"
        "Qualification,pipeline,2,false,false,\n"
        "Proposal,pipeline,3,false,false,\n"
        "Negotiation,pipeline,4,false,false,\n"
        "Closed Won,won,5,true,true,\n"
        "Closed Lost,lost,5,true,false,\n"
    ),
    "milestone_rules.csv": (
        "milestone,activity_object,match_field,match_operator,match_value,owner_department,timestamp_field\n"
        "handled,task,type,equals,Call,Inside Sales,created_at\n"
        "handled,task,type,equals,Email,Inside Sales,created_at\n"
        "appointment,event,type,equals,First Meeting,any,created_at\n"
    ),
    "user_role_departments.csv": (
        "user_role_developer_name,department\n"
        "Marketing_Manager,Marketing\n"
        "Marketing_Specialist,Marketing\n"
        "IS_Manager,Inside Sales\n"
        "IS_Rep,Inside Sales\n"
        "FS_Manager,Field Sales\n"
        "Account_Executive,Field Sales\n"
        "Customer_Success,Customer Success\n"
        "CEO,Executive\n"
    ),
    "user_department_history.csv": "user_id,department,valid_from,valid_to\n",
}

# The "To configure" list of the fixture, in report order:
FIXTURE_ACTIONS = [
    # lead.CreatedDate: 3 ISO values, and '03/04/25 9:15 AM' (lead 4), which is neither ISO
    # nor epoch digits, with no salesforce_timestamp_format set.
    "set var salesforce_timestamp_format (a strptime format, e.g. '%m/%d/%y %I:%M %p') "
    "for lead.created_date (sample '03/04/25 9:15 AM')",
    # opportunity stage names Discovery (opportunities 2, 4) and 'closed won' (opportunity 3)
    # are not in the seed (which has 'Closed Won': stage names match case-sensitively).
    'add 2 stage names to seeds/opportunity_stage_mapping.csv: "Discovery", "closed won"',
    # the appointment rule reads event, and there is no event table.
    'rule 3 (appointment: event type equals "First Meeting", department any) matches 0 rows '
    "(table event absent): fix or remove it in seeds/milestone_rules.csv",
    # role Partner Manager (no developer name; its label matches no seed key): users Pat
    # (department 'Partners', not a seed department) and Pia ('marketing' -> Marketing by the
    # department field fallback): 1 user without a department.
    "add 1 role to seeds/user_role_departments.csv: Partner Manager (1 user without a department)",
    # Nora (005...5) has no role and an empty department field.
    "1 user without a role gets no department: give it a mapped role, a row in "
    "seeds/user_department_history.csv, or a department field naming a seed department "
    "(ids: 005000000000005AAA)",
    # opportunity currencies USD, EUR, usd (-> USD): multi-currency; currency_type has only USD.
    "add exchange rates for EUR to currency_type or dated_conversion_rate "
    "(amounts in them cannot be converted)",
]


def write_seeds(directory: Path, overrides: dict[str, str] | None = None) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for name, text in {**PINNED_SEEDS, **(overrides or {})}.items():
        (directory / name).write_text(text, encoding="utf-8", newline="")
    return directory


def run(database: Path, *args: str | Path) -> str:
    """The report of scripts/inspect_crm.py, run in this process."""
    parsed = inspect_crm.build_parser().parse_args(["--duckdb", str(database), *map(str, args)])
    return inspect_crm.inspect(parsed)


def sections(report: str) -> dict[str, list[str]]:
    """Report lines by section heading ('== Tables ==' -> 'Tables'); the header under ''."""
    found: dict[str, list[str]] = {"": []}
    current = ""
    for line in report.splitlines():
        if line.startswith("== ") and line.endswith(" =="):
            current = line[3:-3]
            found[current] = []
        elif line:
            found[current].append(line)
    return found


def actions(report: str) -> list[str]:
    """The numbered items of 'To configure', without their numbers."""
    items = sections(report)["To configure"]
    if items == ["Nothing to configure."]:
        return []
    for number, item in enumerate(items, 1):
        assert item.startswith(f"{number}. "), item
    return [item.split(". ", 1)[1] for item in items]


def starting(lines: list[str], prefix: str) -> list[str]:
    return [line for line in lines if line.startswith(prefix)]


# --- the fixture org ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def org_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    database = tmp_path_factory.mktemp("inspect_org") / "raw.duckdb"
    load_csv_tables(database, FIXTURE_DIR)
    return database


@pytest.fixture(scope="module")
def seeds_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_seeds(tmp_path_factory.mktemp("pinned_seeds"))


@pytest.fixture(scope="module")
def report(org_db: Path, seeds_dir: Path) -> dict[str, list[str]]:
    return sections(run(org_db, "--seeds-dir", seeds_dir))


def test_fixture_to_configure(org_db: Path, seeds_dir: Path) -> None:
    assert actions(run(org_db, "--seeds-dir", seeds_dir)) == FIXTURE_ACTIONS


def test_tables_present_absent_spelling_and_load_column(report: dict[str, list[str]]) -> None:
    tables = report["Tables"]
    for absent in ("campaign", "campaign_member", "event", "dated_conversion_rate"):
        assert f"{absent}: absent" in tables
    # lead.csv: 4 data rows, API spelling (Id, ConvertedContactId, ...), no _fivetran_synced.
    (lead,) = starting(tables, "lead: present")
    assert lead.startswith('lead: present, raw "lead", 4 rows, API spelling, ')
    assert ", no load column, created_date 2025-01-02 .. 2025-01-04" in lead
    # opportunity.csv: 4 rows, snake spelling, _fivetran_synced; created 2025-01-10 .. 2025-02-10.
    (opportunity,) = starting(tables, "opportunity: present")
    assert opportunity.startswith('opportunity: present, raw "opportunity", 4 rows, snake spelling, ')
    assert 'load column "_fivetran_synced", created_date 2025-01-10 .. 2025-02-10' in opportunity
    # the two new contract tables are read, in API spelling
    assert starting(tables, 'opportunity_contact_role: present, raw "opportunity_contact_role", 1 row, API')
    assert starting(tables, 'record_type: present, raw "record_type", 2 rows, API spelling')
    # user_role.csv is snake_case: 4 roles
    assert starting(tables, 'user_role: present, raw "user_role", 4 rows, snake spelling')


# Lines the report of the fixture holds, by section, each worked out by hand from the CSVs.
FIXTURE_LINES = {
    "Timestamps and dates": [
        # lead.CreatedDate: '...Z', '...Z', '...+0900' (ISO) and '03/04/25 9:15 AM'.
        'lead.created_date (raw "CreatedDate", VARCHAR): mixed text: 3 ISO, 1 NOT ISO '
        "(NOT ISO sample '03/04/25 9:15 AM')",
        # task.CreatedDate: four 13-digit values (epoch milliseconds); the first row's is shown.
        'task.created_date (raw "CreatedDate", VARCHAR): epoch milliseconds text '
        "(epoch milliseconds sample '1739178000000')",
        'opportunity._fivetran_synced (raw "_fivetran_synced", VARCHAR): ISO text',
    ],
    "Opportunity stages": [
        # Discovery: opportunities 2 and 4 (both record type 012...1 = New_Business) and history
        # row 3 (of opportunity 2).
        'stage "Discovery" [record type New_Business]: 2 opportunities, 1 history row: UNMAPPED',
        # 'closed won': opportunity 3 (record type Renewal), no history row.
        'stage "closed won" [record type Renewal]: 1 opportunity, 0 history rows: UNMAPPED '
        '(hint: the seed has "Closed Won"; stage names match case-sensitively)',
        # Closed Won: opportunity 1 and its history row 2.
        'stage "Closed Won" [record type New_Business]: 1 opportunity, 1 history row: mapped (won)',
        # Appointment: history row 1 (opportunity 1) and row 4, whose opportunity 006...99 does not exist.
        'stage "Appointment" [record type New_Business]: 0 opportunities, 1 history row: '
        "mapped (appointment)",
        'stage "Appointment" [no record type]: 0 opportunities, 1 history row: mapped (appointment)',
    ],
    "Activities": [
        "event: table absent",
        # task types: Call (task 1), call (task 2, case-insensitive match), LinkedIn (task 3), Email (task 4).
        'task.type "Call": 1 row: rule 1 (handled)',
        'task.type "call": 1 row: rule 1 (handled)',
        'task.type "LinkedIn": 1 row: no rule',
        'task.type "Email": 1 row: rule 2 (handled)',
        'rule 1 (handled: task type equals "Call", department Inside Sales): 2 raw rows',
        'rule 2 (handled: task type equals "Email", department Inside Sales): 1 raw row',
        'rule 3 (appointment: event type equals "First Meeting", department any): 0 raw rows: '
        "ZERO MATCHES (table event absent)",
    ],
    "Roles and departments": [
        # CEO has no developer name; its label matches the seed key CEO.
        'role "CEO" (no developer_name, id 00E000000000003EAA): 1 user: mapped to Executive (by label)',
        'role "IS Rep" (developer_name IS_Rep, id 00E000000000001EAA): 1 user: mapped to Inside Sales '
        "(by developer_name)",
        # Partner Manager: Pat (department 'Partners': none) and Pia ('marketing': Marketing).
        'role "Partner Manager" (no developer_name, id 00E000000000002EAA): 2 users: UNMAPPED, '
        "1 user without any department",
        # Regional VP is in no seed and has no user: reported, nothing to do.
        'role "Regional VP" (developer_name Regional_VP, id 00E000000000004EAA): 0 users: UNMAPPED, no users',
        # Nora: no role, no department field.
        "users without a role: 1 (0 get a department from the department field or user_department_history, "
        "1 without any department) (ids: 005000000000005AAA)",
        # Olga: role 00E...9 is not in user_role; her department field 'Field Sales' is a seed department.
        "users whose role is not in user_role: 1 (1 get a department from the department field or "
        "user_department_history, 0 without any department)",
    ],
    "Currencies": [
        # opportunity currency_iso_code: USD (1), EUR (2), USD (3), usd (4, upper-cased)
        "multi-currency org: 2 codes (EUR, USD) on opportunity",
        "currency EUR: opportunity 1: currency_type no: NO RATE",
        "currency USD: opportunity 3: currency_type yes",
    ],
    "Ids": [
        # opportunity.contact_id: 003..1, 000000000000000AAA, 003..3, 000000000000000
        "opportunity.contact_id: 2 set, 0 null, 2 empty ('000000000000000AAA' 1, '000000000000000' 1, '' 0), "
        "0 in 15-char form",
        # lead.Id: lead 1 is the 15-character 00Q000000000001.
        "lead.id: 4 set, 0 null, 0 empty ('000000000000000AAA' 0, '000000000000000' 0, '' 0), "
        "1 in 15-char form",
        # lead.ConvertedContactId: empty id (lead 1), 003..1AAA, 003000000000002 (15-char), 003..8AAA.
        "lead.converted_contact_id: 3 set, 0 null, "
        "1 empty ('000000000000000AAA' 1, '000000000000000' 0, '' 0), 1 in 15-char form",
        # contact 2's account 001...9 does not exist.
        "orphans contact.account_id -> account: 1 of 3 set values",
        # lead 4 converted into contact 003...8, which does not exist; lead 3's 15-character
        # 003000000000002 matches contact 003000000000002AAA.
        "orphans lead.converted_contact_id -> contact: 1 of 3 set values",
        # task 1's WhoId 00Q000000000001EAA is the 18-character form of the 15-character lead 1;
        # task 4's 00Q000000000099EAA is nobody.
        "orphans task.who_id -> lead or contact: 1 of 4 set values",
        "orphans opportunity_history.opportunity_id -> opportunity: 1 of 4 set values",
        "orphans opportunity.contact_id -> contact: 0 of 2 set values",
        "orphans user.user_role_id -> user_role: 1 of 5 set values",
        # owners 005...9 of lead 4 and opportunity 4 are not users
        "orphans lead.owner_id -> user: 1 of 4 set values",
        "orphans opportunity.owner_id -> user: 1 of 4 set values",
        "orphans task.owner_id -> user: 0 of 4 set values",
        # leads converted into contacts 1 and 2; contact 3 has no lead.
        "contacts without leads: 1 of 3 contacts (no lead was converted into them)",
        # opportunity 2 has an empty contact_id but a contact role; opportunity 4 has neither, and
        # no lead converted into it.
        "opportunities without a person path: 1 of 4 opportunities (checked: contact_id or "
        "opportunity_contact_role); 1 of them has no converting lead either",
    ],
    "As-of date": [
        # latest _fivetran_synced: opportunity 1's 2025-03-01 02:00:00
        "as-of date: 2025-02-28 (rule: the day before the latest load timestamp 2025-03-01 02:00:00)",
    ],
}


@pytest.mark.parametrize(
    "section", list(FIXTURE_LINES), ids=[section.lower().replace(" ", "_") for section in FIXTURE_LINES]
)
def test_fixture_report_section(report: dict[str, list[str]], section: str) -> None:
    missing = [line for line in FIXTURE_LINES[section] if line not in report[section]]
    assert missing == [], report[section]


def test_fixture_report_has_only_the_five_stages(report: dict[str, list[str]]) -> None:
    assert len(report["Opportunity stages"]) == 5


def test_fixture_ids_are_genuine(report: dict[str, list[str]]) -> None:
    # the fixture's 18-character ids carry their true checksum
    assert not [line for line in report["Ids"] if "not genuine" in line]


def test_as_of_date_without_load_column_is_the_latest_record_day(org_db: Path, seeds_dir: Path) -> None:
    # No loader column is looked for: the latest system_modstamp / created_date of lead,
    # opportunity, opportunity_history and task is task 4's SystemModstamp 1740470400000 ms
    # = 2025-02-25 08:00:00 UTC, and that day itself is the as-of date.
    text = run(
        org_db, "--seeds-dir", seeds_dir, "--vars", "{salesforce_loaded_at_columns: [_no_such_column]}"
    )
    assert (
        "as-of date: 2025-02-25 (rule: no load timestamps (a same-day export): the date of the latest "
        "record timestamp 2025-02-25 08:00:00)"
    ) in sections(text)["As-of date"]


def test_as_of_date_pinned_by_var(org_db: Path, seeds_dir: Path) -> None:
    text = run(org_db, "--seeds-dir", seeds_dir, "--vars", "{as_of_date: '2025-01-31'}")
    assert "as-of date: 2025-01-31 (rule: pinned by var as_of_date)" in sections(text)["As-of date"]


def test_timestamp_format_var_reads_the_other_values(org_db: Path, seeds_dir: Path) -> None:
    text = run(
        org_db, "--seeds-dir", seeds_dir, "--vars", "{salesforce_timestamp_format: '%m/%d/%y %I:%M %p'}"
    )
    report = sections(text)
    assert (
        'lead.created_date (raw "CreatedDate", VARCHAR): mixed text: 3 ISO, 1 salesforce_timestamp_format '
        "(salesforce_timestamp_format sample '03/04/25 9:15 AM')"
    ) in report["Timestamps and dates"]
    # '03/04/25 9:15 AM' is 2025-03-04: the end of the created range
    assert ", created_date 2025-01-02 .. 2025-03-04" in starting(report["Tables"], "lead: present")[0]
    assert actions(text) == FIXTURE_ACTIONS[1:]


def test_absent_tables_var(org_db: Path, seeds_dir: Path) -> None:
    text = run(
        org_db, "--seeds-dir", seeds_dir, "--vars", "{salesforce_absent_tables: [opportunity_contact_role]}"
    )
    report = sections(text)
    assert "opportunity_contact_role: absent (listed in var salesforce_absent_tables)" in report["Tables"]
    # without the contact role, opportunity 2 (empty contact_id) has no person path either
    assert (
        "opportunities without a person path: 2 of 4 opportunities (checked: contact_id); "
        "2 of them have no converting lead either"
    ) in report["Ids"]


# --- --write-seeds ------------------------------------------------------------------------------


def test_write_seeds(org_db: Path, seeds_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "draft"
    text = run(org_db, "--seeds-dir", seeds_dir, "--write-seeds", out)
    stages = (out / "opportunity_stage_mapping.csv").read_text(encoding="utf-8")
    original = PINNED_SEEDS["opportunity_stage_mapping.csv"]
    assert stages.startswith(original)
    # after the highest stage_order 5, in order of rows: Discovery (3 rows), closed won (1 row);
    # 'closed won' contains 'won'; record_type empty = any record type.
    added_stages = ["Discovery,pipeline,6,false,false,", "closed won,won,7,true,true,"]
    assert stages[len(original) :].splitlines() == added_stages
    roles = (out / "user_role_departments.csv").read_text(encoding="utf-8")
    assert roles == PINNED_SEEDS["user_role_departments.csv"] + "Partner Manager,Unassigned\n"
    assert (out / "milestone_rules.csv").read_text(encoding="utf-8") == PINNED_SEEDS["milestone_rules.csv"]
    review = (out / "REVIEW.md").read_text(encoding="utf-8")
    for line in [*added_stages, "Partner Manager,Unassigned"]:
        assert f"- REVIEW `{line}`" in review
    assert (
        "- REVIEW rule 3 `appointment,event,type,equals,First Meeting,any,created_at`: table event absent"
        in review
    )
    # Pia takes the department field now; an Unassigned role row would take precedence
    assert "1 takes the department field now and would get Unassigned instead" in review
    # the review is printed too, before the final list
    printed = sections(text)["Draft seeds"]
    assert [line for line in review.splitlines() if line] == printed[1:]
    assert actions(text) == FIXTURE_ACTIONS


def test_write_seeds_keeps_the_seed_header_and_line_endings(org_db: Path, tmp_path: Path) -> None:
    # an older stage seed without the record_type column, with CRLF line endings
    old_stages = (
        "stage_name,funnel_stage,stage_order,is_closed,is_won\r\n"
        "Appointment,appointment,1,false,false\r\n"
        "Closed Won,won,5,true,true\r\n"
    )
    seeds = write_seeds(tmp_path / "seeds", {"opportunity_stage_mapping.csv": old_stages})
    out = tmp_path / "draft"
    run(org_db, "--seeds-dir", seeds, "--write-seeds", out)
    written = (out / "opportunity_stage_mapping.csv").read_bytes()
    assert (
        written
        == (old_stages + "Discovery,pipeline,6,false,false\r\nclosed won,won,7,true,true\r\n").encode()
    )


def test_drafted_seeds_clear_the_stage_and_role_actions(
    org_db: Path, seeds_dir: Path, tmp_path: Path
) -> None:
    out = tmp_path / "draft"
    run(org_db, "--seeds-dir", seeds_dir, "--write-seeds", out)
    (out / "user_department_history.csv").write_text(PINNED_SEEDS["user_department_history.csv"])
    text = run(org_db, "--seeds-dir", out)
    assert actions(text) == [FIXTURE_ACTIONS[0], *FIXTURE_ACTIONS[2:3], *FIXTURE_ACTIONS[4:]]
    assert (
        'stage "Discovery" [record type New_Business]: 2 opportunities, 1 history row: mapped (pipeline)'
        in (sections(text)["Opportunity stages"])
    )


# --- the command line ---------------------------------------------------------------------------


def run_cli(*args: str | Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(SCRIPT), *map(str, args)],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "DO_NOT_TRACK": "1"},
    )


def test_cli_exit_codes(org_db: Path, seeds_dir: Path, tmp_path: Path) -> None:
    ok = run_cli("--duckdb", org_db, "--seeds-dir", seeds_dir)
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.splitlines()[-1].startswith("6. add exchange rates for EUR")
    missing = run_cli("--duckdb", tmp_path / "nope.duckdb")
    assert missing.returncode == 2 and "no such file" in missing.stderr
    wrong_schema = run_cli("--duckdb", org_db, "--schema", "sfdc")
    assert wrong_schema.returncode == 2 and "schema 'sfdc' has no tables" in wrong_schema.stderr
    only_accounts = tmp_path / "accounts.duckdb"
    with duckdb.connect(str(only_accounts)) as con:
        con.execute("create schema salesforce")
        con.execute("create table salesforce.account as select '001000000000001AAA' as id")
    no_people = run_cli("--duckdb", only_accounts)
    assert no_people.returncode == 2 and "neither a lead nor a contact table" in no_people.stderr


# --- helpers ------------------------------------------------------------------------------------


def test_salesforce_id_forms() -> None:
    # Salesforce's documented example: 001A0000006Vm9r is 001A0000006Vm9rIAC in 18 characters.
    assert inspect_crm.salesforce_id("001A0000006Vm9r") == "001A0000006Vm9rIAC"
    assert inspect_crm.salesforce_id("00Q000000000001") == "00Q000000000001EAA"
    assert inspect_crm.salesforce_id("003000000000001AAA") == "003000000000001AAA"
    for empty in ("000000000000000AAA", "000000000000000", "", None):
        assert inspect_crm.salesforce_id(empty) is None


def test_rule_matching_is_case_insensitive_like() -> None:
    rule = {"match_operator": "contains", "match_value": "First_Meeting"}
    # the model compares with LIKE: '_' matches any one character
    assert inspect_crm.rule_matches(rule, "Re: first meeting with Acme")
    assert not inspect_crm.rule_matches({"match_operator": "starts_with", "match_value": "Call"}, "Cold call")
    assert inspect_crm.rule_matches({"match_operator": "equals", "match_value": "Call"}, "CALL")


def test_stage_guesses() -> None:
    assert inspect_crm.guess_stage("Closed Won") == ("won", "true", "true")
    assert inspect_crm.guess_stage("Closed - No Decision") == ("lost", "true", "false")
    assert inspect_crm.guess_stage("Lost") == ("lost", "true", "false")
    assert inspect_crm.guess_stage("Legacy Discovery") == ("pipeline", "false", "false")


# --- demo data ----------------------------------------------------------------------------------


def generate(database: Path, *options: str) -> Path:
    generate_raw_duckdb(database, DEMO_LEADS, extra_args=options)
    return database


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate(tmp_path_factory.mktemp("inspect_demo") / "demo.duckdb")


def test_demo_data_reports_only_its_deliberate_unmapped_role(demo_db: Path) -> None:
    # The generator's 'unmapped' dirt adds role Sales_Ops (one user, department field 'Sales')
    # that seeds/user_role_departments.csv does not map: a real finding, so it is listed.
    text = run(demo_db)
    assert actions(text) == [
        "add 1 role to seeds/user_role_departments.csv: Sales_Ops (1 user without a department)"
    ]
    report = sections(text)
    assert list(report) == [
        "",
        "Tables",
        "Timestamps and dates",
        "Opportunity stages",
        "Activities",
        "Roles and departments",
        "Currencies",
        "Ids",
        "As-of date",
        "To configure",
    ]
    assert (
        "as-of date: 2026-09-30 (rule: the day before the latest load timestamp 2026-10-01 02:00:00)"
        in (report["As-of date"])
    )


def test_demo_data_with_the_drafted_role_has_nothing_to_configure(demo_db: Path, tmp_path: Path) -> None:
    draft = tmp_path / "draft"
    run(demo_db, "--write-seeds", draft)
    assert (draft / "user_role_departments.csv").read_text().endswith("\nSales_Ops,Unassigned\n")
    text = run(demo_db, "--seeds-dir", draft)
    assert text.endswith("== To configure ==\nNothing to configure.\n")


def test_demo_data_without_dirt_has_nothing_to_configure(tmp_path: Path) -> None:
    database = generate(tmp_path / "clean.duckdb", "--no-dirt")
    result = run_cli("--duckdb", database)
    assert result.returncode == 0, result.stderr
    assert result.stdout.endswith("\nNothing to configure.\n")


# --- Postgres: the same reports -----------------------------------------------------------------

needs_postgres = skipped_on_purpose("REVENUE_FUNNEL_SKIP_POSTGRES")
#: The fixture loaded once more, into this schema, with tables named after their Salesforce objects.
OBJECTS_SCHEMA = "salesforce_objects"
OBJECT_NAMES = {
    "user_role": "UserRole",
    "opportunity_history": "OpportunityHistory",
    "opportunity_contact_role": "OpportunityContactRole",
    "record_type": "RecordType",
}
DEMO_SCHEMA = "demo"
#: ICU's root collation sorts 'call' before 'Call': the report must not depend on it.
ICU_COLLATION = "und-x-icu"
SERVER_TIME_ZONE = "Asia/Tokyo"
#: Postgres type names (information_schema) -> DuckDB's, for comparing the reports.
DUCKDB_TYPE_NAMES = {"text": "VARCHAR", "timestamp without time zone": "TIMESTAMP", "date": "DATE"}
#: --vars of the fixture runs compared between the engines.
VARIANTS = {
    "defaults": [],
    "timestamp format": ["--vars", "{salesforce_timestamp_format: '%m/%d/%y %I:%M %p'}"],
    "no load column": ["--vars", "{salesforce_loaded_at_columns: [_no_such_column]}"],
    "absent table": ["--vars", "{salesforce_absent_tables: [opportunity_contact_role]}"],
    "pinned as-of date": ["--vars", "{as_of_date: '2025-01-31'}"],
    "no department fallback": ["--vars", "{user_department_field_fallback: false}"],
}


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def load_csv_postgres(env: dict[str, str], csv_dir: Path, schema: str, names: dict[str, str]) -> None:
    """Every CSV of csv_dir as an all-text table of `schema`, named as `names` says (else after the
    file), with COPY: an unquoted empty field is null, as in DuckDB's read_csv. The columns sort
    by ICU's collation where the server has it (as in many warehouses: not code point order)."""
    import psycopg2

    with closing(psycopg2.connect(postgres_dsn(env))) as con, con.cursor() as cursor:
        cursor.execute(f"select count(*) from pg_collation where collname = '{ICU_COLLATION}'")
        text_type = f"text collate {quote_ident(ICU_COLLATION)}" if cursor.fetchone()[0] else "text"
        cursor.execute(f"create schema {quote_ident(schema)}")
        for csv_file in sorted(csv_dir.glob("*.csv")):
            table = f"{quote_ident(schema)}.{quote_ident(names.get(csv_file.stem, csv_file.stem))}"
            with open(csv_file, encoding="utf-8", newline="") as fh:
                columns = ", ".join(f"{quote_ident(c)} {text_type}" for c in next(csv.reader(fh)))
                fh.seek(0)
                cursor.execute(f"create table {table} ({columns})")
                cursor.copy_expert(f"copy {table} from stdin with (format csv, header true)", fh)
        con.commit()


@pytest.fixture(scope="module")
def postgres_env() -> Iterator[dict[str, str]]:
    """A Postgres database of this module's own holding the fixture, in schema salesforce and
    (tables named after the objects) in OBJECTS_SCHEMA; dropped at the end. Its sessions start
    in time zone SERVER_TIME_ZONE: the inspector must read text timestamps as UTC regardless."""
    import psycopg2

    dbname = f"revenue_funnel_inspect_{os.getpid()}"
    with own_postgres_database(dbname, "these tests") as env:
        with closing(psycopg2.connect(postgres_dsn(env))) as con, con.cursor() as cursor:
            cursor.execute(f"alter database {quote_ident(dbname)} set timezone to '{SERVER_TIME_ZONE}'")
            con.commit()
        load_csv_postgres(env, FIXTURE_DIR, "salesforce", {})
        load_csv_postgres(env, FIXTURE_DIR, OBJECTS_SCHEMA, OBJECT_NAMES)
        yield env


@pytest.fixture(scope="module")
def objects_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fixture in a DuckDB file, schema OBJECTS_SCHEMA, tables named as OBJECT_NAMES says."""
    database = tmp_path_factory.mktemp("inspect_objects") / "raw.duckdb"
    load_csv_tables(database, FIXTURE_DIR, schema=OBJECTS_SCHEMA)
    with duckdb.connect(str(database)) as con:
        for table, name in OBJECT_NAMES.items():
            con.execute(f"alter table {OBJECTS_SCHEMA}.{table} rename to {quote_ident(name)}")
    return database


def run_postgres(env: dict[str, str], *args: str | Path) -> str:
    """The report of scripts/inspect_crm.py --target postgres on the database of `env`, in this process."""
    with pytest.MonkeyPatch.context() as patch:
        for name, value in env.items():
            patch.setenv(name, value)
        parsed = inspect_crm.build_parser().parse_args(["--target", "postgres", *map(str, args)])
        return inspect_crm.inspect(parsed)


def comparable(report: str, *paths: Path) -> list[str]:
    """The report's lines with what legitimately differs between the engines normalised: the
    header's database, the raw column type names, and `paths` (--write-seeds directories)."""
    for path in paths:
        report = report.replace(str(path), "<DIR>")
    lines = []
    for line in report.splitlines():
        line = re.sub(r"^database: .* \((duckdb|postgres), read-only\)", "database: <database>", line)
        line = re.sub(
            r'(\(raw "[^"]*", )([^)]*)\)',
            lambda m: m.group(1) + DUCKDB_TYPE_NAMES.get(m.group(2), m.group(2)) + ")",
            line,
        )
        lines.append(line)
    return lines


def differences(duckdb_lines: list[str], postgres_lines: list[str]) -> list[str]:
    """The lines of one report that the other lacks, for a readable assertion message."""
    return [f"duckdb only: {line}" for line in duckdb_lines if line not in postgres_lines] + [
        f"postgres only: {line}" for line in postgres_lines if line not in duckdb_lines
    ]


@needs_postgres
@pytest.mark.parametrize("variant", list(VARIANTS))
def test_postgres_report_is_the_duckdb_report(
    variant: str, org_db: Path, seeds_dir: Path, postgres_env: dict[str, str]
) -> None:
    args = ["--seeds-dir", seeds_dir, *VARIANTS[variant]]
    on_duckdb, on_postgres = comparable(run(org_db, *args)), comparable(run_postgres(postgres_env, *args))
    assert on_postgres == on_duckdb, differences(on_duckdb, on_postgres)


@needs_postgres
def test_postgres_fixture_report(seeds_dir: Path, postgres_env: dict[str, str]) -> None:
    """What the comparison above normalises, and the fixture's findings, checked directly."""
    text = run_postgres(postgres_env, "--seeds-dir", seeds_dir)
    assert actions(text) == FIXTURE_ACTIONS
    report = sections(text)
    database = f"postgresql://{postgres_env['DBT_POSTGRES_USER']}@{postgres_env['DBT_POSTGRES_HOST']}:"
    database += f"{postgres_env['DBT_POSTGRES_PORT']}/{postgres_env['DBT_POSTGRES_DBNAME']}"
    assert f"database: {database} (postgres, read-only), schema: salesforce" in report[""]
    assert (
        'lead.created_date (raw "CreatedDate", text): mixed text: 3 ISO, 1 NOT ISO '
        "(NOT ISO sample '03/04/25 9:15 AM')"
    ) in report["Timestamps and dates"]
    # values ordered in code point order, as on DuckDB, whatever the column's collation
    assert starting(report["Activities"], 'task.type "') == [
        'task.type "Call": 1 row: rule 1 (handled)',
        'task.type "Email": 1 row: rule 2 (handled)',
        'task.type "LinkedIn": 1 row: no rule',
        'task.type "call": 1 row: rule 1 (handled)',
    ]


@needs_postgres
def test_postgres_write_seeds_are_the_duckdb_ones(
    org_db: Path, seeds_dir: Path, postgres_env: dict[str, str], tmp_path: Path
) -> None:
    duckdb_out, postgres_out = tmp_path / "duckdb", tmp_path / "postgres"
    on_duckdb = run(org_db, "--seeds-dir", seeds_dir, "--write-seeds", duckdb_out)
    on_postgres = run_postgres(postgres_env, "--seeds-dir", seeds_dir, "--write-seeds", postgres_out)
    assert comparable(on_postgres, postgres_out) == comparable(on_duckdb, duckdb_out)
    written = sorted(path.name for path in postgres_out.iterdir())
    assert written == sorted(path.name for path in duckdb_out.iterdir())
    assert "REVIEW.md" in written
    for name in written:
        assert (postgres_out / name).read_bytes() == (duckdb_out / name).read_bytes(), name


@needs_postgres
def test_tables_named_after_the_objects_are_read(
    org_db: Path, objects_db: Path, seeds_dir: Path, postgres_env: dict[str, str]
) -> None:
    """ "UserRole" (quoted, so case-sensitive on Postgres) is read for user_role, as staging does
    (macro salesforce_raw_table), on both engines: the report is the snake-named one but for
    the raw names."""
    args = ["--seeds-dir", seeds_dir, "--schema", OBJECTS_SCHEMA]
    on_duckdb = comparable(run(objects_db, *args))
    on_postgres = comparable(run_postgres(postgres_env, *args))
    assert on_postgres == on_duckdb, differences(on_duckdb, on_postgres)
    tables = sections("\n".join(on_postgres))["Tables"]
    assert starting(tables, 'user_role: present, raw "UserRole", 4 rows, snake spelling')
    assert starting(tables, 'opportunity_contact_role: present, raw "OpportunityContactRole", 1 row, API')
    assert not starting(tables, "other raw tables")
    snake_named = comparable(run(org_db, "--seeds-dir", seeds_dir))
    renamed = []
    for line in on_postgres:
        for table, name in OBJECT_NAMES.items():
            line = line.replace(f'raw "{name}"', f'raw "{table}"')
        renamed.append(line.replace(f"schema: {OBJECTS_SCHEMA}", "schema: salesforce"))
    assert renamed == snake_named


@needs_postgres
def test_postgres_demo_data_with_typed_columns(demo_db: Path, postgres_env: dict[str, str]) -> None:
    """The demo data as scripts/load_raw_postgres.py copies it (timestamp, date, boolean and number
    columns): the same report as on DuckDB."""
    load_raw_postgres(demo_db, postgres_env, "--schema", DEMO_SCHEMA)
    on_postgres = comparable(run_postgres(postgres_env, "--schema", DEMO_SCHEMA))
    on_duckdb = comparable(run(demo_db))
    on_duckdb = [line.replace("schema: salesforce", f"schema: {DEMO_SCHEMA}") for line in on_duckdb]
    assert on_postgres == on_duckdb, differences(on_duckdb, on_postgres)
    assert 'lead.created_date (raw "created_date", TIMESTAMP): native' in on_postgres


@needs_postgres
def test_postgres_timestamp_format_postgres_cannot_read(
    seeds_dir: Path, postgres_env: dict[str, str]
) -> None:
    """%Y%m%d reads on DuckDB, but to_timestamp's FMMM takes every digit: the report says why no
    value is read (and the Postgres build, with the same translation, would fail on them)."""
    text = run_postgres(
        postgres_env, "--seeds-dir", seeds_dir, "--vars", "{salesforce_timestamp_format: '%Y%m%d'}"
    )
    why = "on Postgres, %m right before %d cannot be read (to_timestamp reads its digits as far as they go)"
    assert (
        f"var salesforce_timestamp_format: '%Y%m%d': reads no value ({why})"
        in sections(text)["Timestamps and dates"]
    )
    assert actions(text)[0] == (
        "var salesforce_timestamp_format '%Y%m%d' does not parse every value of lead.created_date "
        f"(sample '03/04/25 9:15 AM') ({why})"
    )


#: Text timestamps read by both engines' SQL, and where they legitimately differ: value ->
#: (expression, why). Everything else must agree, and nothing may fail on Postgres.
PARSED_VALUES = (
    "2025-01-02",
    "2025-01-02 10:00",
    "2025-01-02T10:00:00.123Z",
    "2025-01-02T10:00:00.000+0900",
    "2025-01-02 10:00:00+09",
    "2025-01-02 10:00:00+09:30",
    "2025-01-02 10:00:00-05",
    "2025-01-02 10:00:00 UTC",
    "2025-01-02  1:0:00",
    "2025-01-02 24:00:00",
    "2025-01-02 10:00:00 +09:00",
    "2025-01-02t10:00:00z",
    "2025-01-02 10:00:60",
    "2025-01-02 25:00",
    "2025-02-29",
    "2024-02-29",
    "1900-02-29",
    "2025-04-31",
    "2025-13-01",
    "2025-01-02x",
    "0000-01-01",
    "2025-01-02 10:00:00 America/New_York",
    "03/04/25 9:15 AM",
    "3/4/25 9:15 pm",
    "03/04/25  09:15 PM",
    "02/29/24 9:15 AM",
    "02/29/25 9:15 AM",
    "13/04/25 9:15 AM",
    "03/04/25 0:15 AM",
    "03/04/25 9:15AM",
    "03/04/2025 9:15 AM",
    "01/01/69 1:00 AM",
    "1739178000000",
    "1739178000",
    "99999999999999999999999999999999",
    "junk",
)
PARSE_FORMATS = ("%m/%d/%y %I:%M %p", "%d %b %Y %H:%M:%S")
KNOWN_DIFFERENCES = {
    ("2025-01-02 10:00:00 America/New_York", "iso"): "a time zone name: not read on Postgres",
    ("0000-01-01", "iso"): "year 0: Postgres has none (DuckDB reads it as 1 BC)",
    ("01/01/69 1:00 AM", "%m/%d/%y %I:%M %p"): "%y 69: 2069 for to_timestamp's YY, 1969 for strptime",
}


@needs_postgres
def test_postgres_parsing_agrees_with_duckdb(org_db: Path, postgres_env: dict[str, str]) -> None:
    rows = ", ".join(f"({i}, {inspect_crm.sql_literal(v)})" for i, v in enumerate(PARSED_VALUES))
    names = ("digits", "milliseconds", "epoch", "iso", *PARSE_FORMATS)

    def parse(engine: inspect_crm.Engine) -> list[tuple]:
        digits = engine.is_digits("v")
        expressions = [
            digits,
            f"case when {digits} then {engine.is_epoch_milliseconds('trim(v)')} end",
            f"case when {digits} then {engine.epoch_timestamp('trim(v)')} end",
            engine.iso_timestamp("v"),
            *(engine.format_timestamp("v", fmt) for fmt in PARSE_FORMATS),
        ]
        try:
            return engine.query(f"select {', '.join(expressions)} from (values {rows}) t(i, v) order by i")
        finally:
            engine.close()

    on_duckdb = parse(inspect_crm.DuckDBEngine(org_db))
    on_postgres = parse(inspect_crm.PostgresEngine(postgres_env))
    found = {}
    for value, duckdb_row, postgres_row in zip(PARSED_VALUES, on_duckdb, on_postgres, strict=True):
        for name, on_d, on_p in zip(names, duckdb_row, postgres_row, strict=True):
            if on_d != on_p:
                found[(value, name)] = f"duckdb {on_d}, postgres {on_p}"
    assert set(found) == set(KNOWN_DIFFERENCES), found
    # the fixture's own values
    by_value = dict(zip(PARSED_VALUES, on_postgres, strict=True))
    assert str(by_value["2025-01-02T10:00:00.000+0900"][3]) == "2025-01-02 01:00:00"
    assert str(by_value["03/04/25 9:15 AM"][4]) == "2025-03-04 09:15:00"
    assert str(by_value["1739178000000"][2]) == "2025-02-10 09:00:00"


@needs_postgres
def test_postgres_connection_is_read_only(postgres_env: dict[str, str]) -> None:
    import psycopg2

    engine = inspect_crm.PostgresEngine(postgres_env)
    try:
        with pytest.raises(psycopg2.errors.ReadOnlySqlTransaction):
            engine.query("create table salesforce.inspector_wrote (a integer)")
    finally:
        engine.close()


@needs_postgres
def test_postgres_cli(seeds_dir: Path, postgres_env: dict[str, str]) -> None:
    def run_target(*args: str | Path, **env: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, str(SCRIPT), "--target", "postgres", *map(str, args)],
            capture_output=True,
            text=True,
            check=False,
            env={**os.environ, **postgres_env, **env, "DO_NOT_TRACK": "1"},
        )

    ok = run_target("--seeds-dir", seeds_dir)
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.splitlines()[-1].startswith("6. add exchange rates for EUR")
    wrong_schema = run_target("--schema", "sfdc")
    assert wrong_schema.returncode == 2
    listed = re.search(
        r"schema 'sfdc' has no tables \(schemas in the database: ([^)]*)\)", wrong_schema.stderr
    )
    assert listed, wrong_schema.stderr
    assert {"public", "salesforce", OBJECTS_SCHEMA} <= set(listed.group(1).split(", "))
    # Postgres schema names are case-sensitive: SALESFORCE is not salesforce
    assert run_target("--schema", "SALESFORCE").returncode == 2
    no_database = run_target(DBT_POSTGRES_DBNAME="revenue_funnel_no_such_database")
    assert no_database.returncode == 2
    assert "cannot connect to postgresql://" in no_database.stderr
    assert 'database "revenue_funnel_no_such_database" does not exist' in no_database.stderr


# --- Postgres without a server --------------------------------------------------------------------


def test_target_and_duckdb_arguments(org_db: Path) -> None:
    both = run_cli("--target", "postgres", "--duckdb", org_db)
    assert both.returncode == 2 and "--duckdb cannot be used with --target postgres" in both.stderr
    neither = run_cli()
    assert neither.returncode == 2 and "--duckdb FILE is required (or --target postgres)" in neither.stderr
    explicit = run_cli("--target", "duckdb", "--duckdb", org_db)
    assert explicit.returncode == 0, explicit.stderr


def test_postgres_connection_follows_profiles_yml() -> None:
    """The variables and defaults of the postgres output of profiles.yml, one by one."""
    with open(PROJECT_DIR / "profiles.yml", encoding="utf-8") as fh:
        output = yaml.safe_load(fh)["revenue_funnel"]["outputs"]["postgres"]
    for key, variable, default in inspect_crm.POSTGRES_CONNECTION:
        assert re.fullmatch(
            rf"\{{\{{ env_var\('{variable}', '{re.escape(default)}'\)( \| int)? \}}\}}", output[key]
        ), (key, output[key])


def test_postgres_format_translation() -> None:
    # the patterns of macro postgres__salesforce_parse_timestamp
    spec = inspect_crm.postgres_format("%m/%d/%y %I:%M %p")
    assert (spec.pattern, spec.problem) == ("FMMM/FMDD/YY FMHH12:MI AM", None)
    assert inspect_crm.postgres_format("%d %b %Y %H:%M:%S.%f").pattern == "FMDD Mon YYYY FMHH24:MI:SS.US"
    # letters of the literal text are quoted, so that none reads as a pattern (D, AM, ...)
    assert inspect_crm.postgres_format("%Y-%m-%dT%H:%M Day").pattern == 'YYYY-FMMM-FMDD"T"FMHH24:MI "Day"'
    problems = {
        fmt: inspect_crm.postgres_format(fmt).problem for fmt in ("%Y%m%d", "%j %Y", "%m/%d", "%Y-%m-%d'")
    }
    greedy = "(to_timestamp reads its digits as far as they go)"
    assert problems == {
        "%Y%m%d": f"on Postgres, %m right before %d cannot be read {greedy}",
        "%j %Y": "Postgres does not read %j (only %Y %y %m %d %H %I %M %S %p %b %f)",
        "%m/%d": "on Postgres, a format without %Y or %y cannot be read (to_timestamp has no default year)",
        "%Y-%m-%d'": "it must not contain quotes or backslashes",
    }


def test_text_dates_ask_for_the_date_format_var(tmp_path: Path, seeds_dir: Path) -> None:
    """A close date written '02/20/2025' is a date column: the action names
    salesforce_date_format (not the timestamp format), and that var clears it."""
    csv_dir = tmp_path / "csv"
    shutil.copytree(FIXTURE_DIR, csv_dir)
    opportunity = csv_dir / "opportunity.csv"
    lines = opportunity.read_text().splitlines()
    lines[0] += ",close_date"
    lines[1:] = [
        line + (",02/20/2025" if number == 0 else ",2025-03-01") for number, line in enumerate(lines[1:])
    ]
    opportunity.write_text("\n".join(lines) + "\n")
    database = tmp_path / "raw.duckdb"
    load_csv_tables(database, csv_dir)
    asked = actions(run(database, "--seeds-dir", seeds_dir))
    expected = (
        "set var salesforce_date_format (a strptime format, e.g. '%m/%d/%Y') for opportunity.close_date"
    )
    assert [action for action in asked if "salesforce_date_format" in action] == [
        expected + " (sample '02/20/2025')"
    ]
    cleared = actions(
        run(database, "--seeds-dir", seeds_dir, "--vars", "{salesforce_date_format: '%m/%d/%Y'}")
    )
    assert not [action for action in cleared if "format" in action and "close_date" in action]

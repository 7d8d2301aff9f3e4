"""A hand-made export shaped like someone else's org, not like the demo: it must build with
the default configuration, account for every row, and give the numbers worked out by hand.

The fixture (fixtures/messy_org, API spelling, no loader column: a Data Loader export) has
- no event, opportunity_history, currency_type, dated_conversion_rate or record_type table;
- a campaign response of L1, and one of L2 to a campaign that is not in the campaign extract;
- Salesforce's empty id 000000000000000AAA in the lookups of open leads and of an opportunity;
- a task whose who_id is the 15-character form of lead L2's id;
- task timestamps as epoch milliseconds in a BIGINT column (loaded so below);
- a lead created at '2026-02-10T09:00:00.000+0900' (00:00 UTC);
- contact C2, created without a lead (a person entering as a contact), whose account A2 is not
  in the export; contact C3, without a lead, in a contact role on opportunity O2;
- lead L4 converted into contact C9, which is not in the export; lead L5 owned by a user
  who is not in the export;
- tables named after the objects for two extracts (UserRole, OpportunityContactRole);
- a user_role extract without DeveloperName (roles 'IS Rep', 'Marketing Manager'), and a
  user whose role is not in the extract but whose Department field says 'Field Sales';
- an opportunity without system_modstamp; stage 'Prospecting' that the seed does not map;
- opportunity O3 whose account has nobody in it; O4 linked to a person only by its account.
"""

from __future__ import annotations

import datetime as dt
import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest
from dbt_runner import NO_UNIT_TESTS, generate_raw_duckdb, load_csv_tables, query, run_dbt

FIXTURE_DIR = Path(__file__).parent / "fixtures" / "messy_org"
ABSENT_TABLES = {
    "currency_type",
    "dated_conversion_rate",
    "event",
    "opportunity_history",
    "record_type",
}
L1, L2, L3, L4, L5 = (f"00Q00000000000{n}EAA" for n in range(1, 6))
C2, C3 = "003000000000002AAA", "003000000000003AAA"


def load_fixture(database: Path, csv_dir: Path = FIXTURE_DIR, typed_task_epochs: bool = True) -> None:
    """Every CSV as an all-text table, as a schemaless loader lands it; the task
    timestamps as BIGINT epoch milliseconds, as a typed loader would land them."""
    load_csv_tables(database, csv_dir)
    if typed_task_epochs:
        with duckdb.connect(str(database), config={"storage_compatibility_version": "v1.4.0"}) as con:
            con.execute(
                "create or replace table salesforce.task as select * replace ("
                'cast("CreatedDate" as bigint) as "CreatedDate", '
                'cast("SystemModstamp" as bigint) as "SystemModstamp") from salesforce.task'
            )


def build_models(database: Path, tmp_path: Path, select: list[str], variables: dict | None = None):
    """`dbt build` of the seeds and models of `select` (no data tests)."""
    return run_dbt(
        ["build", "--select", *select, "--resource-type", "seed", "--resource-type", "model"],
        database,
        tmp_path,
        variables,
    )


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("messy_org")
    database = work / "messy.duckdb"
    load_fixture(database)
    build = run_dbt(["build", "--full-refresh"], database, work)
    assert build.returncode == 0, build.output[-8000:]
    assert "WARN" in build.output  # the orphans warn, they do not stop the build
    return database


def test_absent_tables_are_listed_and_every_row_is_accounted_for(built: Path) -> None:
    rows = query(
        built,
        "select source_table, is_raw_table_present, raw_row_count, staged_row_count "
        "from audit_salesforce_row_counts",
    )
    absent = {table for table, present, _, _ in rows if not present}
    assert absent == ABSENT_TABLES
    counts = {table: (raw, staged) for table, _, raw, staged in rows}
    # rows in each CSV, all kept (none deleted, duplicated or id-less)
    assert counts["lead"] == (5, 5)
    assert counts["contact"] == (3, 3)
    assert counts["opportunity"] == (4, 4)
    assert counts["task"] == (3, 3)
    assert counts["opportunity_contact_role"] == (1, 1)
    assert counts["campaign_member"] == (2, 2)
    assert all(counts[table] == (0, 0) for table in ABSENT_TABLES)


def test_each_orphan_class_is_counted(built: Path) -> None:
    checks = dict(
        query(
            built,
            "select checked_object || '.' || check_name, row_count from audit_funnel_exclusions "
            "where row_count > 0",
        )
    )
    assert checks == {
        "campaign_member.campaign_not_in_extract": 1,  # L2's response to campaign 701...9
        "contact.account_not_in_extract": 1,  # C2 -> A2
        "lead.converted_contact_not_in_extract": 1,  # L4 -> C9
        "lead.owner_not_in_extract": 1,  # L5's owner 005...77
        "user.role_not_in_extract": 1,  # Fay's role 00E...9
        "lead.pipeline_without_appointment": 1,  # L1: no events table, so no appointment
        "opportunity.opportunity_without_person": 1,  # O3: account A3 has nobody
        "opportunity.person_attached_by_contact_role": 1,  # O2 -> C3
        "opportunity.person_attached_by_account": 1,  # O4 -> A1's earliest person, L1
        "opportunity_stage_visit.unmapped_stage_name": 1,  # O2 'Prospecting'
        "task.activity_without_person": 1,  # T3: who_id is the empty id
    }


def test_empty_ids_do_not_join_open_leads_into_one_person(built: Path) -> None:
    persons = query(built, "select lead_id, person_id, contact_id from fct_funnel_leads order by lead_id")
    assert [(lead, person) for lead, person, _ in persons] == [(lead, lead) for lead in (L1, L2, L3, L4, L5)]
    # the open leads' 000000000000000AAA is a null, not a contact
    assert {lead: contact for lead, _, contact in persons}[L2] is None


def test_fifteen_character_id_and_epoch_milliseconds_reach_the_lead(built: Path) -> None:
    # T1: who_id 00Q000000000002 (15 characters), created 1768640400000 ms = 2026-01-17 09:00 UTC
    assert query(built, f"select handled_at from fct_funnel_leads where lead_id = '{L2}'") == [
        (dt.datetime(2026, 1, 17, 9, 0),)
    ]


def test_text_with_offset_is_read_as_utc(built: Path) -> None:
    assert query(built, f"select lead_created_at from fct_funnel_leads where lead_id = '{L4}'") == [
        (dt.datetime(2026, 2, 10, 0, 0),)
    ]


def test_same_day_export_without_load_column_keeps_its_last_day(built: Path) -> None:
    # no loader column: the as-of date is the day of the newest record (L5, 2026-03-01), not the day before
    assert query(built, "select as_of_date from int_as_of_date") == [(dt.date(2026, 3, 1),)]
    assert query(built, f"select is_excluded from fct_funnel_leads where lead_id = '{L5}'") == [(False,)]


def test_roles_map_by_name_and_by_the_user_department_field(built: Path) -> None:
    departments = dict(query(built, "select user_id, department from int_users_departments"))
    assert departments == {
        "005000000000001AAA": "Inside Sales",  # role 'IS Rep' = seed IS_Rep
        "005000000000002AAA": "Marketing",  # role 'Marketing Manager' = seed Marketing_Manager
        "005000000000003AAA": "Field Sales",  # role not in the extract; Department field
    }


def test_opportunities_attach_through_contact_roles_and_accounts(built: Path) -> None:
    links = dict(
        (opportunity, (person, link))
        for opportunity, person, link in query(
            built, "select opportunity_id, person_id, person_link from int_opportunity_outcomes"
        )
    )
    assert links == {
        "006000000000001AAA": (L1, "converted_lead"),
        "006000000000002AAA": (C3, "contact_role"),  # its contact_id is the empty id
        "006000000000003AAA": (None, None),
        "006000000000004AAA": (L1, "account"),
    }


def test_source_channels_including_a_campaign_outside_the_extract(built: Path) -> None:
    channels = dict(query(built, "select lead_id, source_channel from fct_funnel_leads"))
    # L1 responded to the January webinar the day before its lead was created; L2's campaign is
    # not in the export ('Unknown' channel, flagged); the others responded to nothing
    assert channels == {
        L1: "Webinar",
        L2: "Unknown",
        L3: "Unattributed",
        L4: "Unattributed",
        L5: "Unattributed",
    }


def test_contact_without_lead_counts_from_handled_on(built: Path) -> None:
    events = query(
        built,
        f"select entry_point, funnel_stage, reached_at, lead_created_at from fct_funnel_stage_events "
        f"where person_id = '{C2}'",
    )
    # T2, a call on C2 at 1771146000000 ms = 2026-02-15 09:00 UTC; no lead stage, no cohort
    assert events == [("contact", "handled", dt.datetime(2026, 2, 15, 9, 0), None)]


def test_funnel_numbers_match_a_hand_count(built: Path) -> None:
    periods = query(
        built,
        """
        select period_start_date, leads_count, handled_count, pipeline_count, won_count, won_amount
        from fct_funnel_periods where breakdown_dimension = 'total' order by period_start_date
        """,
    )
    # January: leads L1, L2; handled L2 (T1).
    # February: leads L3, L4 (Feb 10 00:00 UTC); handled C2 (a contact, T2); L1 reached pipeline
    # with O4 (no history: its open stage Qualification counts from its creation, Feb 22) and won
    # O1 (no history, Closed Won: dated by its close date, Feb 27), 10,000. O2 is unmapped, O3
    # has no person.
    # March: lead L5 (Mar 1, the as-of date).
    assert periods == [
        (dt.date(2026, 1, 1), 2, 1, 0, 0, 0.0),
        (dt.date(2026, 2, 1), 2, 1, 1, 1, 10000.0),
        (dt.date(2026, 3, 1), 1, 0, 0, 0, 0.0),
    ]
    assert query(built, f"select pipeline_at, won_at from fct_funnel_leads where lead_id = '{L1}'") == [
        (dt.datetime(2026, 2, 22, 9, 0), dt.datetime(2026, 2, 27, 0, 0))
    ]


def test_lead_and_contact_cannot_both_be_absent(tmp_path: Path) -> None:
    database = tmp_path / "no_people.duckdb"
    load_fixture(database)
    result = run_dbt(
        ["run", "--select", "base_salesforce__lead"],
        database,
        tmp_path,
        {"salesforce_absent_tables": ["lead", "contact"]},
    )
    assert result.returncode != 0
    assert "Neither raw table" in result.output and "make inspect" in result.output


def test_a_table_can_be_declared_absent(tmp_path: Path) -> None:
    database = tmp_path / "no_roles.duckdb"
    load_fixture(database)
    result = build_models(
        database,
        tmp_path,
        ["+int_opportunity_outcomes", "+audit_salesforce_row_counts"],
        {"salesforce_absent_tables": ["opportunity_contact_role"]},
    )
    assert result.returncode == 0, result.output[-6000:]
    assert "opportunity_contact_role is built empty" in result.output
    # without the contact role, O2 has no person (its contact_id is the empty id, its account's
    # earliest person is L1)
    assert query(
        database,
        "select person_id, person_link from int_opportunity_outcomes "
        "where opportunity_id = '006000000000002AAA'",
    ) == [(L1, "account")]


ALL_TABLES = {
    "account",
    "campaign",
    "campaign_member",
    "contact",
    "currency_type",
    "dated_conversion_rate",
    "event",
    "lead",
    "opportunity",
    "opportunity_contact_role",
    "opportunity_history",
    "record_type",
    "task",
    "user",
    "user_role",
}


@pytest.mark.parametrize(
    ("present", "expected_events"),
    [
        # leads alone: five leads, nothing else can be known
        ({"lead"}, {("lead", "lead"): 5}),
        # no leads and no users: the contacts are the persons. The as-of date is Feb 26 (O3's
        # creation, the newest record), so O1's close date (Feb 27) is after it: its win counts
        # from its creation (Jan 20), and C1 reaches pipeline and won then. C2's call is not
        # handled: without users nobody is in Inside Sales. C3's O2 is unmapped.
        (
            {"contact", "opportunity", "opportunity_contact_role", "task", "account"},
            {("contact", "pipeline"): 1, ("contact", "won"): 1},
        ),
    ],
    ids=["lead_only", "no_leads"],
)
def test_every_other_table_may_be_absent(tmp_path: Path, present: set[str], expected_events: dict) -> None:
    database = tmp_path / "sparse.duckdb"
    load_fixture(database)
    build = run_dbt(
        ["build", "--full-refresh", *NO_UNIT_TESTS],
        database,
        tmp_path,
        {"salesforce_absent_tables": sorted(ALL_TABLES - present)},
    )
    assert build.returncode == 0, build.output[-8000:]
    absent = {
        table
        for (table,) in query(
            database,
            "select source_table from audit_salesforce_row_counts where not is_raw_table_present",
        )
    }
    assert absent == ALL_TABLES - present
    events = query(
        database,
        "select entry_point, funnel_stage, count(*) from fct_funnel_stage_events group by all",
    )
    assert {(entry, stage): count for entry, stage, count in events} == expected_events


def test_an_export_without_is_converted_keeps_converted_leads_one_person(tmp_path: Path) -> None:
    database = tmp_path / "no_is_converted.duckdb"
    load_fixture(database)
    with duckdb.connect(str(database)) as con:
        con.execute('alter table salesforce.lead drop column "IsConverted"')
    result = build_models(database, tmp_path, ["+int_person_identities"])
    assert result.returncode == 0, result.output[-6000:]
    identities = dict(query(database, "select record_id, person_id from int_person_identities"))
    # L1 names its converted contact C1, so C1 is L1's contact, not a second person; the open
    # leads' empty ids name nothing
    assert identities["003000000000001AAA"] == L1
    assert {identities[lead] for lead in (L2, L3, L5)} == {L2, L3, L5}


def fixture_with_lead_value(tmp_path: Path, original: str, replacement: str) -> Path:
    """The fixture loaded with one value of lead.csv rewritten."""
    csv_dir = tmp_path / "csv"
    shutil.copytree(FIXTURE_DIR, csv_dir)
    lead_csv = csv_dir / "lead.csv"
    lead_csv.write_text(lead_csv.read_text().replace(original, replacement))
    database = tmp_path / "rewritten.duckdb"
    load_fixture(database, csv_dir)
    return database


def run_lead_staging(database: Path, tmp_path: Path, variables: dict | None = None):
    return run_dbt(
        ["run", "--select", "base_salesforce__lead", "stg_salesforce__leads"], database, tmp_path, variables
    )


@dataclass(frozen=True)
class UnknownFormat:
    """One lead.csv value rewritten to a text format that is neither ISO nor epoch digits: the
    run names the raw column, the value and the var; with the var set, the staged column reads it
    (and the other leads' ISO values still as ISO)."""

    original: str
    replacement: str
    named: tuple[str, ...]  # in dbt's output: the raw column, the value, the var
    format: str  # the var's value that reads it
    staged: str  # the staged column
    expected: dict[str, object]  # lead id -> staged value


@pytest.mark.parametrize(
    "unknown",
    [
        pytest.param(
            UnknownFormat(
                "2026-02-03T09:00:00.000Z",
                "02/03/26 9:00 AM",
                ("CreatedDate", "02/03/26 9:00 AM", "salesforce_timestamp_format"),
                "%m/%d/%y %I:%M %p",
                "created_at",
                {L3: dt.datetime(2026, 2, 3, 9, 0), L1: dt.datetime(2026, 1, 5, 9, 0)},
            ),
            id="timestamp",
        ),
        pytest.param(
            UnknownFormat(
                "true,2026-01-20,",
                "true,01/20/2026,",
                ("ConvertedDate", "'01/20/2026'", "salesforce_date_format"),
                "%m/%d/%Y",
                "converted_date",
                {L1: dt.date(2026, 1, 20), L4: dt.date(2026, 2, 12)},
            ),
            id="date",
        ),
    ],
)
def test_unknown_text_format_names_the_column_and_the_var(tmp_path: Path, unknown: UnknownFormat) -> None:
    database = fixture_with_lead_value(tmp_path, unknown.original, unknown.replacement)
    failed = run_lead_staging(database, tmp_path)
    assert failed.returncode != 0
    column, value, var = unknown.named
    assert column in failed.output and value in failed.output
    assert var in failed.output
    fixed = run_lead_staging(database, tmp_path, {var: unknown.format})
    assert fixed.returncode == 0, fixed.output[-6000:]
    staged = dict(query(database, f"select lead_id, {unknown.staged} from stg_salesforce__leads"))
    assert {lead: staged[lead] for lead in unknown.expected} == unknown.expected


def test_epoch_text_and_empty_list_vars(tmp_path: Path) -> None:
    database = tmp_path / "text_epochs.duckdb"
    load_fixture(database, typed_task_epochs=False)
    result = run_dbt(
        ["run", "--select", "+stg_salesforce__tasks", "+stg_salesforce__leads"],
        database,
        tmp_path,
        {"test_lead_email_domains": [], "test_lead_names": []},
    )
    assert result.returncode == 0, result.output[-6000:]
    # epoch milliseconds as text digits read like the BIGINT column
    first_task = query(database, "select min(created_at) from stg_salesforce__tasks")
    assert first_task == [(dt.datetime(2026, 1, 17, 9, 0),)]
    assert query(database, "select count(*) from stg_salesforce__leads where is_test_lead") == [(0,)]


def test_twelve_months_of_history_builds(tmp_path: Path) -> None:
    """Less than a controllability window of history (W = 12 periods, plus the ramp): every
    readiness judgement that cannot be made yet is 'not stable', never a failing null."""
    database = tmp_path / "short.duckdb"
    generate_raw_duckdb(database, 1500, months=12)
    build = run_dbt(["build", "--full-refresh"], database, tmp_path)
    assert build.returncode == 0, build.output[-8000:]
    unjudged = query(
        database,
        "select count(*) from fct_kpi_readiness where held_rate_cv is null and kpi_stage != 'lead'",
    )[0][0]
    assert unjudged > 0  # the short history really leaves periods without a judgement
    assert query(
        database,
        "select count(*) from fct_kpi_readiness where held_rate_cv is null and kpi_stage != 'lead' "
        "and (is_held_rate_stable or not is_beyond_readiness)",
    ) == [(0,)]

"""An incremental run after new data builds exactly what a full refresh builds,
and a second incremental run with nothing new changes nothing; the incremental
attribution recomputes only the persons whose inputs changed.

The "new day" is made from generated data: the activities and stage changes of
the last days are held back from the first build, then loaded with a later
load time, together with an updated task, a soft-deleted event and a
late-arriving task created weeks earlier.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
import yaml
from dbt_runner import NO_UNIT_TESTS, PROJECT_DIR, query, run_dbt
from new_day import hold_back, load_new_day

GENERATOR = PROJECT_DIR / "scripts" / "generate_demo_data.py"
# the last days of activity are the "new day" (a few days, so a 2000-lead warehouse gets enough rows)
CUTOFF = "2026-09-25"


def generate(database: Path, leads: int = 2000) -> None:
    subprocess.run(
        [sys.executable, str(GENERATOR), "--leads", str(leads), "--duckdb", str(database), "--quiet"],
        check=True,
        capture_output=True,
    )


def built_tables(database: Path) -> list[str]:
    rows = query(
        database,
        "select table_name from information_schema.tables where table_schema = 'main' "
        "and table_type = 'BASE TABLE' and (table_name like 'fct%' or table_name like 'dim%' "
        "or table_name like 'base%' or table_name like 'stg%' or table_name like 'int%' "
        "or table_name like 'audit%')",
    )
    return sorted(row[0] for row in rows)


def differing_tables(left: Path, right: Path) -> dict[str, int]:
    """Groups of rows that differ between two builds, per table.

    Rows are grouped by all their non-floating-point columns; the groups must
    have the same row count and the same sum of every floating-point column to
    a relative 1e-9, because parallel aggregation may add floating-point terms
    in another order from one run to the next.
    """
    differences = {}
    with duckdb.connect() as con:
        con.execute(f"attach '{left}' as left_db (read_only)")
        con.execute(f"attach '{right}' as right_db (read_only)")
        for table in built_tables(left):
            columns = con.execute(
                "select column_name, data_type from information_schema.columns "
                "where table_catalog = 'left_db' and table_name = ? order by ordinal_position",
                [table],
            ).fetchall()
            keys = [f'"{name}"' for name, data_type in columns if data_type not in ("DOUBLE", "FLOAT")]
            floats = [f'"{name}"' for name, data_type in columns if data_type in ("DOUBLE", "FLOAT")]
            sums = [f"sum({f}) as s{i}" for i, f in enumerate(floats)]
            aggregates = ", ".join(["count(*) as row_count", *sums])
            grouping = f"group by {', '.join(keys)}" if keys else ""
            key_list = ", ".join(keys) + ", " if keys else ""
            join_condition = " and ".join(f"l.{k} is not distinct from r.{k}" for k in keys) or "true"
            float_checks = " or ".join(
                f"abs(coalesce(l.s{i}, 0) - coalesce(r.s{i}, 0)) > 1e-9 * (1 + abs(coalesce(l.s{i}, 0)))"
                f" or (l.s{i} is null) != (r.s{i} is null)"
                for i in range(len(floats))
            )
            count = con.execute(
                f"""
                with
                    l as (select {key_list}{aggregates} from left_db.main.{table} {grouping}),
                    r as (select {key_list}{aggregates} from right_db.main.{table} {grouping})
                select count(*)
                from l full outer join r on {join_condition}
                where l.row_count is distinct from r.row_count {" or " + float_checks if floats else ""}
                """
            ).fetchone()[0]
            if count:
                differences[table] = count
    return differences


@pytest.fixture(scope="module")
def incremental_and_full(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    work = tmp_path_factory.mktemp("incremental")
    incremental_db = work / "incremental.duckdb"
    generate(incremental_db)
    hold_back(incremental_db, CUTOFF)
    first = run_dbt(["build", "--full-refresh", *NO_UNIT_TESTS], incremental_db, work / "first")
    assert first.returncode == 0, first.output
    load_new_day(incremental_db, CUTOFF)
    second = run_dbt(["build", *NO_UNIT_TESTS], incremental_db, work / "second")
    assert second.returncode == 0, second.output
    assert "incremental model main.stg_salesforce__tasks" in second.output
    assert "incremental model main.fct_attribution_touchpoints" in second.output

    full_db = work / "full.duckdb"
    shutil.copyfile(incremental_db, full_db)
    full = run_dbt(["build", "--full-refresh", *NO_UNIT_TESTS], full_db, work / "full")
    assert full.returncode == 0, full.output
    return incremental_db, full_db, work


def replaced_only_changed_ids(run_dir: Path, table: str) -> bool:
    """Whether the run compiled base_salesforce__<table> to re-classify only the changed ids."""
    compiled = run_dir / "target" / "compiled" / "revenue_funnel" / "models" / "staging" / "salesforce"
    return "\n    where coalesce(" in (compiled / "base" / f"base_salesforce__{table}.sql").read_text()


def test_base_tables_replace_only_the_ids_loaded_since_the_last_run(
    incremental_and_full: tuple[Path, Path, Path],
) -> None:
    _, _, work = incremental_and_full
    assert all(replaced_only_changed_ids(work / "second", table) for table in ("task", "event", "lead"))


def test_new_day_reached_staging(incremental_and_full: tuple[Path, Path, Path]) -> None:
    incremental_db, _, _ = incremental_and_full
    late = query(incremental_db, "select count(*) from stg_salesforce__tasks where task_id like 'late%'")
    assert late == [(2,)]
    held_back = query(
        incremental_db, f"select count(*) from stg_salesforce__tasks where created_at >= '{CUTOFF}'"
    )
    assert held_back[0][0] > 0


def test_incremental_run_equals_full_refresh(incremental_and_full: tuple[Path, Path, Path]) -> None:
    incremental_db, full_db, _ = incremental_and_full
    assert differing_tables(incremental_db, full_db) == {}


def test_second_incremental_run_changes_nothing(incremental_and_full: tuple[Path, Path, Path]) -> None:
    incremental_db, full_db, work = incremental_and_full
    again = run_dbt(["build", *NO_UNIT_TESTS], incremental_db, work / "again")
    assert again.returncode == 0, again.output
    assert differing_tables(incremental_db, full_db) == {}


def test_attribution_recomputes_only_persons_whose_inputs_changed(
    incremental_and_full: tuple[Path, Path, Path],
) -> None:
    """Two stored rows are tampered with on a copy of the incremental build.

    Person A's credit column is set to 42: not an input, so A is not recomputed
    and the 42 stays. Person B's channel (an input) is renamed: B's inputs differ
    from the current ones, so B is recomputed and the real channel is back. Then
    another half-life (a setting every row keeps) recomputes everyone: the 42 is gone.
    """
    incremental_db, _, work = incremental_and_full
    tampered_db = work / "tampered.duckdb"
    shutil.copyfile(incremental_db, tampered_db)
    with duckdb.connect(str(tampered_db)) as con:
        person_a, person_b = (
            row[0]
            for row in con.execute(
                "select distinct person_id from fct_attribution_touchpoints "
                "where not is_unattributed order by person_id limit 2"
            ).fetchall()
        )
        con.execute(
            "update fct_attribution_touchpoints set first_touch_credit = 42 where person_id = ?", [person_a]
        )
        channels_b = con.execute(
            "select campaign_member_id, channel from fct_attribution_touchpoints where person_id = ? "
            "order by all",
            [person_b],
        ).fetchall()
        con.execute(
            "update fct_attribution_touchpoints set channel = 'Tampered' where person_id = ?", [person_b]
        )
    rerun = run_dbt(["run", "--select", "fct_attribution_touchpoints"], tampered_db, work / "tampered")
    assert rerun.returncode == 0, rerun.output
    tampered_a = query(
        tampered_db,
        f"select count(*) from fct_attribution_touchpoints where person_id = '{person_a}' "
        "and first_touch_credit = 42",
    )
    assert tampered_a[0][0] > 0
    assert (
        query(
            tampered_db,
            f"select campaign_member_id, channel from fct_attribution_touchpoints "
            f"where person_id = '{person_b}' order by all",
        )
        == channels_b
    )
    # another half-life changes every person's stored settings: everyone is recomputed
    rerun = run_dbt(
        ["run", "--select", "fct_attribution_touchpoints"],
        tampered_db,
        work / "tampered_settings",
        variables={"attribution_time_decay_half_life_days": 14},
    )
    assert rerun.returncode == 0, rerun.output
    after = query(
        tampered_db,
        "select count(*), count(case when first_touch_credit = 42 then 1 end), "
        "count(case when attribution_settings like '%half_life_days=14;%' then 1 end) "
        "from fct_attribution_touchpoints",
    )
    assert after[0][0] > 0
    assert after[0][1] == 0
    assert after[0][2] == after[0][0]


def incremental_run_differences(
    database: Path, work: Path, name: str, models: tuple[str, ...], variables: dict | None = None
) -> dict[str, int]:
    """Run `models` incrementally on `database`, then fully on a copy taken before that run; the
    differing row groups of the two results per model (empty when equal)."""
    selection = ["--select", *models]
    full_db = work / f"{name}_full.duckdb"
    shutil.copyfile(database, full_db)
    rerun = run_dbt(["run", *selection], database, work / name, variables=variables)
    assert rerun.returncode == 0, rerun.output
    full = run_dbt(["run", "--full-refresh", *selection], full_db, work / f"{name}_full", variables=variables)
    assert full.returncode == 0, full.output
    return {table: count for table, count in differing_tables(database, full_db).items() if table in models}


def base_run_differences(
    database: Path, work: Path, name: str, tables: tuple[str, ...], variables: dict | None = None
) -> dict[str, int]:
    """incremental_run_differences of the base models of the raw `tables`."""
    models = tuple(f"base_salesforce__{table}" for table in tables)
    return incremental_run_differences(database, work, name, models, variables)


def test_base_tables_rebuild_whole_when_raw_rows_vanish_or_arrive_with_old_load_times(
    incremental_and_full: tuple[Path, Path, Path],
) -> None:
    """The incremental base tables replace only the ids loaded since the newest stored load,
    unless the stored rows plus that increment would not make the raw table: then every raw row
    is classified again. Three such changes no load time reveals: a task hard-deleted from the
    raw table, one copy of a duplicated lead removed, and a task arriving with a load time a
    month old. Each base table must equal what a full refresh builds from the same raw rows."""
    incremental_db, _, work = incremental_and_full
    changed_db = work / "vanished.duckdb"
    shutil.copyfile(incremental_db, changed_db)
    with duckdb.connect(str(changed_db)) as con:
        gone_task = con.execute("select min(id) from salesforce.task").fetchone()[0]
        con.execute("delete from salesforce.task where id = ?", [gone_task])
        duplicated_lead = con.execute(
            "select id from salesforce.lead group by id having count(*) > 1 order by id limit 1"
        ).fetchone()
        assert duplicated_lead is not None, "the generated raw leads hold no re-synced copy to remove"
        con.execute(
            "delete from salesforce.lead where rowid = (select max(rowid) from salesforce.lead where id = ?)",
            [duplicated_lead[0]],
        )
        con.execute(
            "insert into salesforce.task by name select * replace ("
            "'00T_old_load_time_1' as id, _fivetran_synced - interval 30 day as _fivetran_synced) "
            "from salesforce.task where _fivetran_synced is not null limit 1"
        )
    assert base_run_differences(changed_db, work, "vanished", ("task", "lead")) == {}
    assert not replaced_only_changed_ids(work / "vanished", "task")
    assert query(changed_db, f"select count(*) from base_salesforce__task where id = '{gone_task}'") == [(0,)]
    late = query(changed_db, "select count(*) from base_salesforce__task where id = '00T_old_load_time_1'")
    assert late == [(1,)]


def test_base_tables_reclassify_everything_when_deleted_records_are_flagged_instead(
    incremental_and_full: tuple[Path, Path, Path],
) -> None:
    """salesforce_deleted_records decides the class of every deleted row, loaded today or not:
    switching it from exclude to flag on an incremental run must give a full refresh's rows."""
    incremental_db, _, work = incremental_and_full
    deleted_tasks = "select count(*) from base_salesforce__task where exclusion_reason = 'deleted'"
    assert query(incremental_db, deleted_tasks)[0][0] > 0
    flagged_db = work / "flagged.duckdb"
    shutil.copyfile(incremental_db, flagged_db)
    flag = {"salesforce_deleted_records": "flag"}
    assert base_run_differences(flagged_db, work, "flagged", ("task", "event"), flag) == {}
    assert query(flagged_db, deleted_tasks) == [(0,)]


def test_staged_leads_reflag_every_lead_when_the_test_lead_vars_change(
    incremental_and_full: tuple[Path, Path, Path],
) -> None:
    """stg_salesforce__leads is incremental, and its test-lead flag depends on two vars: adding
    the most common real email domain to test_lead_email_domains on an incremental run must flag
    the stored leads of that domain too, as a full refresh does."""
    incremental_db, _, work = incremental_and_full
    domain, leads = query(
        incremental_db,
        "select email_domain, count(*) from stg_salesforce__leads where not is_test_lead "
        "and email_domain is not null group by email_domain order by count(*) desc, email_domain limit 1",
    )[0]
    assert leads > 1
    reflagged_db = work / "reflagged.duckdb"
    shutil.copyfile(incremental_db, reflagged_db)
    project_vars = yaml.safe_load((PROJECT_DIR / "dbt_project.yml").read_text())["vars"]
    domains = {"test_lead_email_domains": [*project_vars["test_lead_email_domains"], domain]}
    models = ("stg_salesforce__leads",)
    differences = incremental_run_differences(reflagged_db, work, "reflagged", models, domains)
    assert differences == {}
    flagged = f"select count(*) from stg_salesforce__leads where is_test_lead and email_domain = '{domain}'"
    assert query(reflagged_db, flagged) == [(leads,)]

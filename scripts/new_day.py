"""One more day of raw CRM data on a generated warehouse, for incremental runs.

The generator writes the whole history in one go. To get a realistic "next
day", the activities and stage changes created on or after a cutoff are held
back before the first build (every raw row is stamped as loaded the night after
its last change, at the latest at the first load time, as a nightly loader
would have), then loaded with a later load time, together with the kinds of change a
real day brings: an edited task, a soft-deleted event and a late-arriving task
created weeks earlier. Used by tests/python/test_incremental.py (incremental
run == full refresh) and scripts/benchmark.py (incremental run time).
"""

from __future__ import annotations

from pathlib import Path

import duckdb

# The raw tables the incremental staging models read by load time.
HELD_BACK_TABLES = ("task", "event", "campaign_member", "opportunity_history")
# The generator's default history ends on 2026-09-30; its data is "loaded" the next night.
FIRST_LOAD = "2026-09-30 02:00:00"
SECOND_LOAD = "2026-10-01 02:00:00"


def hold_back(database: Path, cutoff: str, first_load: str = FIRST_LOAD) -> int:
    """Move the rows created on or after `cutoff` to salesforce.held_<table>; returns how many."""
    held = 0
    with duckdb.connect(str(database)) as con:
        for table in HELD_BACK_TABLES:
            con.execute(
                f"create table salesforce.held_{table} as "
                f"select * from salesforce.{table} where created_date >= '{cutoff}'"
            )
            held += con.execute(f"select count(*) from salesforce.held_{table}").fetchone()[0]
            con.execute(f"delete from salesforce.{table} where created_date >= '{cutoff}'")
        for table in [
            row[0]
            for row in con.execute(
                "select table_name from information_schema.tables "
                "where table_schema = 'salesforce' and table_name not like 'held\\_%' escape '\\'"
            ).fetchall()
        ]:
            columns = {row[0] for row in con.execute(f"describe salesforce.{table}").fetchall()}
            # a warehouse loaded every night: each row was loaded the night after its last change
            # (02:00), the rows of the last day by the first load, so an incremental run's lookback
            # re-reads the rows of its last days, not the whole history
            nightly = (
                f"least(timestamp '{first_load}', date_trunc('day', system_modstamp) + interval 26 hour)"
                if "system_modstamp" in columns
                else "null"
            )
            loaded = f"coalesce({nightly}, timestamp '{first_load}')"
            con.execute(f"update salesforce.{table} set _fivetran_synced = {loaded}")
    return held


def load_new_day(database: Path, cutoff: str, second_load: str = SECOND_LOAD) -> None:
    """Load the held-back rows and the day's edits with the second load time."""
    with duckdb.connect(str(database)) as con:
        for table in HELD_BACK_TABLES:
            con.execute(
                f"insert into salesforce.{table} "
                f"select * replace (timestamp '{second_load}' as _fivetran_synced) "
                f"from salesforce.held_{table}"
            )
            con.execute(f"drop table salesforce.held_{table}")
        # a task edited today: a newer version of an existing record
        con.execute(
            f"""
            insert into salesforce.task
            select * replace (
                'Email' as type, system_modstamp + interval 40 day as system_modstamp,
                timestamp '{second_load}' as _fivetran_synced
            )
            from salesforce.task
            where type = 'Call' and created_date < '{cutoff}'
            order by id limit 3
            """
        )
        # an event soft-deleted today
        con.execute(
            f"""
            insert into salesforce.event
            select * replace (
                true as is_deleted, system_modstamp + interval 40 day as system_modstamp,
                timestamp '{second_load}' as _fivetran_synced
            )
            from salesforce.event
            where not is_deleted and type = 'First Meeting'
            order by id limit 2
            """
        )
        # a late-arriving task created three weeks ago, loaded only today
        con.execute(
            f"""
            insert into salesforce.task
            select * replace (
                'late' || id as id, created_date - interval 21 day as created_date,
                system_modstamp - interval 21 day as system_modstamp,
                timestamp '{second_load}' as _fivetran_synced
            )
            from salesforce.task
            where type = 'Call' and not is_deleted
            order by id desc limit 2
            """
        )

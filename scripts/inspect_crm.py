#!/usr/bin/env python3
"""Inspect a raw Salesforce schema before the first dbt build of revenue_funnel.

Prints, section by section, what the raw tables hold against the contract
(models/staging/salesforce/_salesforce__sources.yml), the dbt vars and the seeds, and
ends with a numbered "To configure" list, or the line "Nothing to configure.". Counts
are of raw rows as loaded: soft-deleted and re-synced copies included.

With --write-seeds DIR it also writes draft copies of the mapping seeds with the
unmapped values appended, and DIR/REVIEW.md listing every added row.

The raw tables are read from a DuckDB file (--duckdb FILE) or, with --target postgres, from
the Postgres database of profiles.yml's `postgres` output, through the same variables and
defaults: DBT_POSTGRES_HOST (localhost), DBT_POSTGRES_PORT (5432), DBT_POSTGRES_USER
(postgres), DBT_POSTGRES_PASSWORD (empty: libpq's PGPASSWORD or ~/.pgpass then apply) and
DBT_POSTGRES_DBNAME (revenue_funnel). Either way the connection is read-only (on Postgres, one
read-only transaction) and nothing is ever written to the database.

Exit code 0 after a report, whatever it found; 2 when the arguments are wrong, the database
cannot be opened, the schema holds no tables, or neither a lead nor a contact table is there.

Examples:
    python scripts/inspect_crm.py --duckdb revenue_funnel.duckdb
    python scripts/inspect_crm.py --duckdb raw.duckdb --schema sfdc --write-seeds build/draft_seeds
    python scripts/inspect_crm.py --duckdb raw.duckdb \\
        --vars "{salesforce_timestamp_format: '%m/%d/%y %I:%M %p'}"
    DBT_POSTGRES_HOST=db.internal DBT_POSTGRES_DBNAME=warehouse \\
        python scripts/inspect_crm.py --target postgres --schema salesforce
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from demo_data.contract import Column, api_name, find_contract, load_contract

PROJECT_DIR = Path(__file__).resolve().parents[1]

#: How Salesforce writes a null lookup; an empty string means null too.
EMPTY_IDS = ("000000000000000AAA", "000000000000000")
#: The 18-character form of an id appends, for each block of 5 characters, the letter of this
#: alphabet indexed by the bits of the block's upper-case letters.
CHECKSUM_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
#: Loader columns holding the load time, in order (default of var salesforce_loaded_at_columns).
LOAD_COLUMNS = ("_fivetran_synced", "_airbyte_extracted_at", "_sdc_batched_at", "_sdc_extracted_at")
#: The contract's name for the load timestamp, whichever loader column feeds it.
CONTRACT_LOAD_COLUMN = "_fivetran_synced"
#: Tables whose latest load decides the as-of date (int_as_of_date).
AS_OF_TABLES = ("lead", "opportunity", "opportunity_history", "task", "event", "campaign_member")
#: At least one of these must be present.
PERSON_TABLES = ("lead", "contact")
TOP_VALUES = 30
TOP_SUBJECTS = 15
LISTED_IDS = 5
EPOCH_MILLISECONDS_FROM = 100_000_000_000

#: Contract tables and columns being added to the sources YAML; the YAML wins where it has them.
NEW_TABLES: dict[str, tuple[tuple[str, str, bool], ...]] = {
    "opportunity_contact_role": (
        ("id", "string", True),
        ("opportunity_id", "string", False),
        ("contact_id", "string", False),
        ("role", "string", False),
        ("is_primary", "boolean", False),
        ("is_deleted", "boolean", False),
        ("created_date", "timestamp", False),
        ("system_modstamp", "timestamp", False),
    ),
    "record_type": (
        ("id", "string", True),
        ("name", "string", False),
        ("developer_name", "string", False),
        ("sobject_type", "string", False),
        ("is_active", "boolean", False),
    ),
}
NEW_COLUMNS: dict[str, tuple[tuple[str, str, bool], ...]] = {
    "opportunity": (("record_type_id", "string", False),),
}

#: Reference checks: (table, column, tables the value must be an id of).
ORPHAN_CHECKS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("contact", "account_id", ("account",)),
    ("lead", "converted_contact_id", ("contact",)),
    ("opportunity", "account_id", ("account",)),
    ("opportunity", "contact_id", ("contact",)),
    ("opportunity_history", "opportunity_id", ("opportunity",)),
    ("task", "who_id", ("lead", "contact")),
    ("event", "who_id", ("lead", "contact")),
    ("campaign_member", "campaign_id", ("campaign",)),
    ("user", "user_role_id", ("user_role",)),
    ("lead", "owner_id", ("user",)),
    ("opportunity", "owner_id", ("user",)),
    ("task", "owner_id", ("user",)),
    ("event", "owner_id", ("user",)),
)
#: Key prefix of queue ids: a lead or task can be owned by a queue rather than a user.
QUEUE_PREFIX = "00G"

#: milestone_rules.match_field -> raw column, per activity object (int_activity_milestones).
ACTIVITY_FIELDS: dict[str, dict[str, str]] = {
    "task": {"type": "type", "subtype": "task_subtype", "subject": "subject"},
    "event": {"type": "type", "subtype": "event_subtype", "subject": "subject"},
}
MATCH_OPERATORS = ("equals", "starts_with", "contains")

STAGE_SEED = "opportunity_stage_mapping.csv"
RULE_SEED = "milestone_rules.csv"
ROLE_SEED = "user_role_departments.csv"
HISTORY_SEED = "user_department_history.csv"
UNASSIGNED = "Unassigned"
TARGETS = ("duckdb", "postgres")


class InspectError(Exception):
    """A problem that stops the inspection (exit code 2)."""


def column_key(name: str) -> str:
    """How staging matches raw to contract columns: ignoring case and underscores."""
    return name.lower().replace("_", "")


def role_key(name: str) -> str:
    """How int_users_departments matches a role label to the seed: ignoring case, spaces, _."""
    return name.lower().replace(" ", "").replace("_", "")


def salesforce_id(value: str | None) -> str | None:
    """An id as staging keys it: null when empty, a 15-character id in its 18-character form."""
    if value is None or value in ("", *EMPTY_IDS):
        return None
    if len(value) != 15:
        return value
    suffix = ""
    for block in range(3):
        chunk = value[block * 5 : block * 5 + 5]
        suffix += CHECKSUM_ALPHABET[sum(1 << i for i, ch in enumerate(chunk) if "A" <= ch <= "Z")]
    return value + suffix


def sql_literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def quoted(value: object) -> str:
    return '"' + str(value).replace('"', '\\"') + '"'


def plural(count: int, word: str, many: str | None = None) -> str:
    return f"{count} {word if count == 1 else (many or word + 's')}"


def show(value: object) -> str:
    return "null" if value is None else repr(value)


def verb(count: int, singular: str, many: str) -> str:
    return singular if count == 1 else many


def listed(items: list[str], limit: int = LISTED_IDS) -> str:
    return ", ".join(items[:limit]) + (", ..." if len(items) > limit else "")


# --- the engines: every query goes through Engine.query ---------------------------------------------


class Engine:
    """A read-only connection. `query` runs SQL and returns rows; the other methods only build
    SQL text, for what differs between dialects (DuckDBEngine, PostgresEngine)."""

    label = ""
    #: What holds the schemas, for messages ("schemas in the file: ...").
    container = ""
    #: The database as the report's header names it.
    source = ""

    def query(self, sql: str) -> list[tuple]:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    # dialect: the same on both ---------------------------------------------------------------
    @staticmethod
    def ident(name: str) -> str:
        return '"' + name.replace('"', '""') + '"'

    def relation(self, schema: str, table: str) -> str:
        return f"{self.ident(schema)}.{self.ident(table)}"

    def id_key(self, text_expr: str) -> str:
        """An id as staging keys it: null when empty, a 15-character id in its 18-character form."""
        empties = ", ".join(sql_literal(v) for v in (*EMPTY_IDS, ""))
        return (
            f"case when {text_expr} in ({empties}) then null "
            f"when length({text_expr}) = 15 then {text_expr} || {self.id_checksum(text_expr)} "
            f"else {text_expr} end"
        )

    # dialect: each engine's own (see DuckDBEngine for what each returns) ----------------------
    @staticmethod
    def text(expr: str) -> str:
        raise NotImplementedError

    @staticmethod
    def catalog_tables_sql(schema: str) -> str:
        raise NotImplementedError

    @staticmethod
    def catalog_columns_sql(schema: str) -> str:
        raise NotImplementedError

    @staticmethod
    def catalog_schemas_sql() -> str:
        raise NotImplementedError

    @staticmethod
    def iso_timestamp(text_expr: str) -> str:
        raise NotImplementedError

    @staticmethod
    def is_digits(text_expr: str) -> str:
        raise NotImplementedError

    @staticmethod
    def is_epoch_milliseconds(trimmed_expr: str) -> str:
        raise NotImplementedError

    @staticmethod
    def epoch_timestamp(number_expr: str) -> str:
        raise NotImplementedError

    @staticmethod
    def format_timestamp(text_expr: str, fmt: str) -> str:
        raise NotImplementedError

    @staticmethod
    def native_timestamp(expr: str) -> str:
        raise NotImplementedError

    @staticmethod
    def id_checksum(text_expr: str) -> str:
        raise NotImplementedError

    def timestamp_format_problem(self, fmt: str) -> str | None:
        """Why this engine cannot read var salesforce_timestamp_format (every such value is then
        unreadable), or None."""
        return None

    @staticmethod
    def order_text(position: int, expr: str) -> str:
        """ORDER BY item for the text select item `position` (whose expression is `expr`), in
        code point order."""
        return str(position)


class DuckDBEngine(Engine):
    """A read-only DuckDB file."""

    label = "duckdb"
    container = "file"

    def __init__(self, path: Path) -> None:
        import duckdb

        self.source = str(path)
        if not path.is_file():
            raise InspectError(f"cannot open {path}: no such file")
        try:
            self._con = duckdb.connect(str(path), read_only=True)
            # Text timestamps without an offset are UTC (the contract); offsets convert to UTC.
            self._con.execute("set TimeZone = 'UTC'")
        except duckdb.Error as exc:
            raise InspectError(f"cannot open {path} read-only: {exc}") from exc

    def query(self, sql: str) -> list[tuple]:
        return self._con.execute(sql).fetchall()

    def close(self) -> None:
        self._con.close()

    # dialect ---------------------------------------------------------------------------------
    @staticmethod
    def text(expr: str) -> str:
        return f"cast({expr} as varchar)"

    @staticmethod
    def catalog_tables_sql(schema: str) -> str:
        return (
            "select table_name from information_schema.tables where table_catalog = current_database() "
            f"and lower(table_schema) = lower({sql_literal(schema)}) order by table_name"
        )

    @staticmethod
    def catalog_columns_sql(schema: str) -> str:
        return (
            "select table_name, column_name, data_type from information_schema.columns "
            "where table_catalog = current_database() "
            f"and lower(table_schema) = lower({sql_literal(schema)}) order by table_name, ordinal_position"
        )

    @staticmethod
    def catalog_schemas_sql() -> str:
        return (
            "select distinct schema_name from information_schema.schemata "
            "where catalog_name = current_database() order by 1"
        )

    @staticmethod
    def iso_timestamp(text_expr: str) -> str:
        """Text cast to a UTC timestamp (an explicit offset converted); null when it does not cast."""
        return f"cast(try_cast(trim({text_expr}) as timestamptz) as timestamp)"

    @staticmethod
    def is_digits(text_expr: str) -> str:
        return f"regexp_full_match(trim({text_expr}), '[0-9]+')"

    @staticmethod
    def is_epoch_milliseconds(trimmed_expr: str) -> str:
        """Whether trimmed digits text is epoch milliseconds rather than seconds."""
        return f"cast({trimmed_expr} as double) >= {EPOCH_MILLISECONDS_FROM}"

    @staticmethod
    def epoch_timestamp(number_expr: str) -> str:
        """Epoch seconds, or milliseconds from 1e11 on (year 5138 in seconds), as UTC."""
        value = f"cast({number_expr} as double)"
        return (
            f"try(cast(to_timestamp(case when {value} >= {EPOCH_MILLISECONDS_FROM} "
            f"then {value} / 1000.0 else {value} end) as timestamp))"
        )

    @staticmethod
    def format_timestamp(text_expr: str, fmt: str) -> str:
        return f"cast(try_strptime(trim({text_expr}), {sql_literal(fmt)}) as timestamp)"

    @staticmethod
    def native_timestamp(expr: str) -> str:
        return f"cast({expr} as timestamp)"

    @staticmethod
    def id_checksum(text_expr: str) -> str:
        """The 3-character suffix of the 18-character form of the id's first 15 characters: per
        block of 5, the upper-case letters as bits (first character lowest) index the alphabet."""
        blocks = []
        for block in range(3):
            chunk = f"substr({text_expr}, {block * 5 + 1}, 5)"
            bits = f"regexp_replace(regexp_replace({chunk}, '[^A-Z]', '0', 'g'), '[A-Z]', '1', 'g')"
            blocks.append(f"substr('{CHECKSUM_ALPHABET}', 1 + cast('0b0' || reverse({bits}) as integer), 1)")
        return " || ".join(blocks)


#: The connection of the `postgres` output of profiles.yml: (libpq keyword, variable, default).
POSTGRES_CONNECTION = (
    ("host", "DBT_POSTGRES_HOST", "localhost"),
    ("port", "DBT_POSTGRES_PORT", "5432"),
    ("user", "DBT_POSTGRES_USER", "postgres"),
    ("password", "DBT_POSTGRES_PASSWORD", ""),
    ("dbname", "DBT_POSTGRES_DBNAME", "revenue_funnel"),
)

#: strftime directive -> (to_timestamp pattern, regex of the text it reads, field). The patterns
#: are those of macro postgres__salesforce_parse_timestamp; each regex has one group and accepts
#: only text to_timestamp reads without an error (the day of the month is checked apart).
MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
MONTH_REGEX = "(" + "|".join("".join(f"[{c.upper()}{c}]" for c in month) for month in MONTHS) + ")"
POSTGRES_FORMAT_CODES: dict[str, tuple[str, str, str]] = {
    "%Y": ("YYYY", "([0-9]{4})", "year"),
    "%y": ("YY", "([0-9]{2})", "year2"),
    "%m": ("FMMM", "(0?[1-9]|1[0-2])", "month"),
    "%d": ("FMDD", "(0?[1-9]|[12][0-9]|3[01])", "day"),
    "%H": ("FMHH24", "([01]?[0-9]|2[0-3])", ""),
    "%I": ("FMHH12", "(0?[1-9]|1[0-2])", ""),
    "%M": ("MI", "([0-5]?[0-9])", ""),
    "%S": ("SS", "([0-5]?[0-9])", ""),
    "%p": ("AM", "([AaPp][Mm])", ""),
    "%b": ("Mon", MONTH_REGEX, "month_name"),
    "%f": ("US", "([0-9]{1,6})", ""),
}
#: Read by to_timestamp as far as the digits go ("fill mode", US): a number right after one of
#: these cannot be told apart from it.
POSTGRES_GREEDY_CODES = ("%m", "%d", "%H", "%I", "%f")
POSTGRES_DIGIT_CODES = ("%Y", "%y", "%m", "%d", "%H", "%I", "%M", "%S", "%f")
POSTGRES_REGEX_SPECIAL = frozenset("\\^$.|?*+()[]{}")
#: ISO 8601 text that a Postgres cast to timestamptz reads (and DuckDB's too): a date, then
#: optionally a time (T or spaces), then optionally Z, ' UTC' or an offset. The year and the
#: day of the month are checked apart.
POSTGRES_ISO_REGEX = (
    "^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
    "((T| +)(([01]?[0-9]|2[0-3]):[0-5]?[0-9](:[0-5]?[0-9](\\.[0-9]*)?)?|24:00(:00(\\.0*)?)?)"
    "(Z| UTC|[+-](0[0-9]|1[0-5])(:?[0-5][0-9])?)?)?$"
)


def days_in_month(year: str, month: str) -> str:
    """SQL: the number of days of a month, from integer expressions (no function that can fail)."""
    leap = f"(({year}) % 4 = 0 and ({year}) % 100 <> 0 or ({year}) % 400 = 0)"
    return (
        f"case when ({month}) = 2 then case when {leap} then 29 else 28 end "
        f"when ({month}) in (4, 6, 9, 11) then 30 else 31 end"
    )


@dataclass
class PostgresFormat:
    """var salesforce_timestamp_format as Postgres reads it."""

    pattern: str = ""  # to_timestamp's
    regex: str = ""  # of the text it reads
    fields: dict[str, int] = field(default_factory=dict)  # year, year2, month, month_name, day -> group
    problem: str | None = None  # why Postgres cannot read it


def postgres_format(fmt: str) -> PostgresFormat:
    """Translates a strftime format as the Postgres build does (each directive replaced), with
    the letters of the literal text double-quoted so that none is read as a pattern (D, AM...)."""
    result = PostgresFormat()
    if any(ch in fmt for ch in "'\"\\"):
        result.problem = "it must not contain quotes or backslashes"
        return result
    tokens = re.findall(r"%.?|[^%]+", fmt, flags=re.DOTALL)
    pattern, regex, groups = [], ["^"], 0
    for i, token in enumerate(tokens):
        following = tokens[i + 1] if i + 1 < len(tokens) else ""
        digit_follows = following in POSTGRES_DIGIT_CODES or following[:1].isdigit()
        if not token.startswith("%"):
            for run in re.findall(r"[^\W\d_]+|[\W\d_]+", token):
                if run[0].isalpha():  # letters could read as patterns (D, AM, Y...): a quoted literal
                    pattern.append(f'"{run}"')
                    regex.append(run)
                else:
                    pattern.append(run)
                    regex += [
                        " +" if ch == " " else "\\" + ch if ch in POSTGRES_REGEX_SPECIAL else ch for ch in run
                    ]
            continue
        if token not in POSTGRES_FORMAT_CODES:
            result.problem = f"Postgres does not read {token} (only {' '.join(POSTGRES_FORMAT_CODES)})"
            return result
        if token in POSTGRES_GREEDY_CODES and digit_follows:
            result.problem = (
                f"on Postgres, {token} right before {following[:2]} cannot be read "
                "(to_timestamp reads its digits as far as they go)"
            )
            return result
        code, code_regex, name = POSTGRES_FORMAT_CODES[token]
        if token in ("%M", "%S") and digit_follows:
            code_regex = "([0-5][0-9])"  # to_timestamp reads two digits then
        pattern.append(code)
        regex.append(code_regex)
        groups += 1
        if name:
            result.fields.setdefault(name, groups)
    if not {"year", "year2"} & set(result.fields):
        result.problem = (
            "on Postgres, a format without %Y or %y cannot be read (to_timestamp has no default year)"
        )
        return result
    result.pattern, result.regex = "".join(pattern), "".join(regex) + "$"
    return result


class PostgresEngine(Engine):
    """A Postgres database, read in one read-only transaction (one snapshot). The connection is
    the one of profiles.yml's `postgres` output: the DBT_POSTGRES_* variables, same defaults."""

    label = "postgres"
    container = "database"

    def __init__(self, environ: dict[str, str] | None = None) -> None:
        import psycopg2

        env = os.environ if environ is None else environ
        settings = {key: env.get(variable, default) for key, variable, default in POSTGRES_CONNECTION}
        if not settings["port"].isdigit():
            raise InspectError(f"DBT_POSTGRES_PORT must be a port number, not {settings['port']!r}")
        self.source = (
            f"postgresql://{settings['user']}@{settings['host']}:{settings['port']}/{settings['dbname']}"
        )
        try:
            self._con = psycopg2.connect(
                **{k: v for k, v in settings.items() if v != ""},
                connect_timeout=10,
                application_name="inspect_crm",
            )
        except psycopg2.Error as exc:
            raise InspectError(f"cannot connect to {self.source}: {str(exc).strip()}") from exc
        try:
            self._con.set_session(readonly=True, isolation_level="REPEATABLE READ")
            # Text timestamps without an offset are UTC (the contract), and to_timestamp reads
            # its text in the session time zone.
            self.query("set time zone 'UTC'")
        except psycopg2.Error as exc:
            self._con.close()
            raise InspectError(f"cannot open a read-only transaction on {self.source}: {exc}") from exc

    def query(self, sql: str) -> list[tuple]:
        with self._con.cursor() as cursor:
            cursor.execute(sql)
            return cursor.fetchall() if cursor.description is not None else []

    def close(self) -> None:
        if not self._con.closed:
            self._con.rollback()
            self._con.close()

    # dialect ---------------------------------------------------------------------------------
    @staticmethod
    def text(expr: str) -> str:
        return f"cast({expr} as text)"

    @staticmethod
    def catalog_tables_sql(schema: str) -> str:
        # Postgres names are case-sensitive (quoted): the schema is matched as written.
        return (
            "select table_name from information_schema.tables where table_catalog = current_database() "
            f'and table_schema = {sql_literal(schema)} order by table_name collate "C"'
        )

    @staticmethod
    def catalog_columns_sql(schema: str) -> str:
        return (
            "select table_name, column_name, "
            "case when data_type = 'USER-DEFINED' then udt_name else data_type end "
            "from information_schema.columns where table_catalog = current_database() "
            f"and table_schema = {sql_literal(schema)} order by table_name, ordinal_position"
        )

    @staticmethod
    def catalog_schemas_sql() -> str:
        return (
            "select schema_name from information_schema.schemata "
            "where schema_name <> 'information_schema' and schema_name not like 'pg\\_%' "
            'order by schema_name collate "C"'
        )

    @staticmethod
    def iso_timestamp(text_expr: str) -> str:
        """Text cast to a UTC timestamp (an explicit offset converted; without one, the session's
        UTC); null when it does not cast. Postgres has no try_cast: only text POSTGRES_ISO_REGEX
        accepts, with a day that the month has and a year from 0002 on (0001 with an offset can
        fall before year 1), is cast; nested cases, so nothing is cast before it is checked."""
        trimmed = f"trim({text_expr})"
        year, month, day = (
            f"cast(substr({trimmed}, {start}, {n}) as integer)" for start, n in ((1, 4), (6, 2), (9, 2))
        )
        return (
            f"case when {trimmed} ~ {sql_literal(POSTGRES_ISO_REGEX)} then "
            f"case when {year} >= 2 and {day} <= {days_in_month(year, month)} then "
            f"cast({trimmed} as timestamptz) at time zone 'UTC' end end"
        )

    @staticmethod
    def is_digits(text_expr: str) -> str:
        return f"(trim({text_expr}) ~ '^[0-9]+$')"

    @staticmethod
    def is_epoch_milliseconds(trimmed_expr: str) -> str:
        return (
            f"(case when {trimmed_expr} ~ '^[0-9]+$' "
            f"then cast({trimmed_expr} as numeric) >= {EPOCH_MILLISECONDS_FROM} end)"
        )

    @staticmethod
    def epoch_timestamp(number_expr: str) -> str:
        """Epoch seconds, or milliseconds from 1e11 on, as UTC; null out of Postgres's range
        (the value is clamped as numeric first, so any number of digits casts)."""
        value = f"least(greatest(cast({number_expr} as numeric), -1e16), 1e16)"
        return (
            f"(case when {value} >= {EPOCH_MILLISECONDS_FROM} and {value} < 9e15 "
            f"then to_timestamp(cast({value} / 1000 as double precision)) "
            f"when {value} < {EPOCH_MILLISECONDS_FROM} and {value} > -2e11 "
            f"then to_timestamp(cast({value} as double precision)) end at time zone 'UTC')"
        )

    def timestamp_format_problem(self, fmt: str) -> str | None:
        return postgres_format(fmt).problem

    @staticmethod
    def format_timestamp(text_expr: str, fmt: str) -> str:
        """to_timestamp with the translated format, for text its regex accepts and whose day
        the month has; null otherwise (to_timestamp fails where strptime gives null)."""
        spec = postgres_format(fmt)
        if spec.problem:
            return "cast(null as timestamp)"
        trimmed = f"trim({text_expr})"

        def group(name: str) -> str:
            return f"(regexp_match({trimmed}, {sql_literal(spec.regex)}))[{spec.fields[name]}]"

        checks = []
        if "year" in spec.fields:
            year = f"cast({group('year')} as integer)"
            checks.append(f"{year} >= 1")
        else:  # to_timestamp's YY: the year nearest to 2020
            two = f"cast({group('year2')} as integer)"
            year = f"({two} + case when {two} < 70 then 2000 else 1900 end)"
        if "month" in spec.fields:
            month = f"cast({group('month')} as integer)"
        elif "month_name" in spec.fields:
            month = f"(strpos('janfebmaraprmayjunjulaugsepoctnovdec', lower({group('month_name')})) + 2) / 3"
        else:
            month = "1"
        if "day" in spec.fields:
            checks.append(f"cast({group('day')} as integer) <= {days_in_month(year, month)}")
        valid = " and ".join(checks) or "true"
        return (
            f"case when {trimmed} ~ {sql_literal(spec.regex)} then case when {valid} then "
            f"cast(to_timestamp({trimmed}, {sql_literal(spec.pattern)}) as timestamp) end end"
        )

    @staticmethod
    def native_timestamp(expr: str) -> str:
        # timestamptz: to the session time zone, UTC
        return f"cast({expr} as timestamp)"

    @staticmethod
    def id_checksum(text_expr: str) -> str:
        """As DuckDBEngine.id_checksum, with substring/upper/lower (as macro salesforce_id)."""
        blocks = []
        for block in range(3):
            bits = []
            for position in range(5):
                ch = f"substring({text_expr}, {block * 5 + position + 1}, 1)"
                is_upper = f"upper({ch}) = {ch} and lower({ch}) <> {ch}"
                bits.append(f"case when {is_upper} then {2**position} else 0 end")
            blocks.append(f"substring('{CHECKSUM_ALPHABET}', 1 + {' + '.join(bits)}, 1)")
        return " || ".join(blocks)

    @staticmethod
    def order_text(position: int, expr: str) -> str:
        # the database's collation may not be code point order (DuckDB's)
        return f'{expr} collate "C"'


def open_engine(args: argparse.Namespace) -> Engine:
    problem = args_problem(args)
    if problem:
        raise InspectError(problem)
    if args.target == "postgres":
        return PostgresEngine()
    return DuckDBEngine(args.duckdb)


# --- inputs: contract, vars, seeds ----------------------------------------------------------------


def load_contract_tables(path: Path) -> dict[str, tuple[Column, ...]]:
    """The contract's tables and columns, with NEW_TABLES / NEW_COLUMNS merged in where absent."""
    tables = dict(load_contract(path).tables)
    for table, columns in NEW_TABLES.items():
        if table not in tables:
            tables[table] = tuple(Column(name, dtype, required) for name, dtype, required in columns)
    for table, columns in NEW_COLUMNS.items():
        if table in tables:
            known = {c.name for c in tables[table]}
            tables[table] += tuple(Column(n, d, r) for n, d, r in columns if n not in known)
    return tables


def load_vars(project_dir: Path, overrides: str | None) -> dict:
    """Vars of dbt_project.yml (global, then project-scoped), then --vars on top, as dbt does."""
    values: dict = {}
    project_file = project_dir / "dbt_project.yml"
    if project_file.is_file():
        with open(project_file, encoding="utf-8") as fh:
            project = yaml.safe_load(fh) or {}
        raw = project.get("vars") or {}
        name = project.get("name")
        values.update({k: v for k, v in raw.items() if not (k == name and isinstance(v, dict))})
        if isinstance(raw.get(name), dict):
            values.update(raw[name])
    if overrides:
        try:
            parsed = yaml.safe_load(overrides)
        except yaml.YAMLError as exc:
            raise InspectError(f"--vars is not YAML: {exc}") from exc
        if not isinstance(parsed, dict):
            raise InspectError("--vars must be a YAML mapping, e.g. \"{as_of_date: '2025-06-30'}\"")
        values.update(parsed)
    return values


def var_list(variables: dict, name: str, default: tuple[str, ...]) -> tuple[str, ...]:
    value = variables.get(name)
    if value is None:
        return default
    if isinstance(value, str):
        return (value,)
    return tuple(str(v) for v in value)


def var_bool(variables: dict, name: str, default: bool) -> bool:
    value = variables.get(name)
    if value is None:
        return default
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1", "yes")
    return bool(value)


@dataclass
class Seed:
    path: Path
    header: list[str]
    rows: list[dict[str, str]]


def read_seed(seeds_dir: Path, name: str, required: bool = True) -> Seed:
    path = seeds_dir / name
    if not path.is_file():
        if required:
            raise InspectError(f"seed {path} not found (use --seeds-dir)")
        return Seed(path, [], [])
    with open(path, encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        rows = [{k: (v or "").strip() for k, v in row.items() if k is not None} for row in reader]
        header = list(reader.fieldnames or [])
    return Seed(path, header, rows)


@dataclass
class Seeds:
    stages: Seed
    rules: Seed
    roles: Seed
    history: Seed

    @classmethod
    def load(cls, seeds_dir: Path) -> Seeds:
        return cls(
            stages=read_seed(seeds_dir, STAGE_SEED),
            rules=read_seed(seeds_dir, RULE_SEED),
            roles=read_seed(seeds_dir, ROLE_SEED),
            history=read_seed(seeds_dir, HISTORY_SEED, required=False),
        )


# --- the raw schema ---------------------------------------------------------------------------------


@dataclass
class RawTable:
    name: str  # contract name
    raw_name: str
    columns: dict[str, tuple[str, str]]  # match key -> (raw name, raw type); the first raw column wins
    load_columns: tuple[str, ...]
    duplicates: dict[str, list[str]] = field(default_factory=dict)
    rows: int = 0

    def col(self, contract_name: str) -> str | None:
        found = self.columns.get(column_key(contract_name))
        return found[0] if found else None

    @property
    def load_column(self) -> str | None:
        """The loader column that feeds the contract's load timestamp (its var spelling)."""
        return next((c for c in self.load_columns if self.col(c)), None)


class Org:
    """The raw tables of one schema, matched to the contract."""

    def __init__(
        self,
        engine: Engine,
        schema: str,
        contract: dict[str, tuple[Column, ...]],
        load_columns: tuple[str, ...],
        forced_absent: tuple[str, ...],
    ) -> None:
        self.engine = engine
        self.schema = schema
        self.contract = contract
        self.forced_absent = forced_absent
        self.load_columns = load_columns
        tables = [r[0] for r in engine.query(engine.catalog_tables_sql(schema))]
        if not tables:
            schemas = [r[0] for r in engine.query(engine.catalog_schemas_sql())]
            raise InspectError(
                f"schema {schema!r} has no tables "
                f"(schemas in the {engine.container}: {', '.join(schemas) or 'none'}); "
                "pass --schema or set the var salesforce_schema"
            )
        columns: dict[str, list[tuple[str, str]]] = {}
        for table, column, dtype in engine.query(engine.catalog_columns_sql(schema)):
            columns.setdefault(table, []).append((column, str(dtype)))
        self.tables: dict[str, RawTable] = {}
        used: set[str] = set()
        for name in contract:
            raw = raw_table_name(name, tables)
            if raw is None:
                continue
            used.add(raw)
            if name in forced_absent or not columns.get(raw):
                continue
            table = RawTable(name, raw, {}, load_columns)
            for column, dtype in columns[raw]:
                key = column_key(column)
                if key in table.columns:
                    table.duplicates.setdefault(key, [table.columns[key][0]]).append(column)
                else:
                    table.columns[key] = (column, dtype)
            table.rows = int(self.scalar(f"select count(*) from {self.rel(table)}") or 0)
            self.tables[name] = table
        self.others = [t for t in tables if t not in used]
        if not any(t in self.tables for t in PERSON_TABLES):
            raise InspectError(
                f"neither a lead nor a contact table in schema {schema!r} (tables: {', '.join(tables)}); "
                "staging needs at least one of them"
            )

    def get(self, name: str) -> RawTable | None:
        return self.tables.get(name)

    def order_text(self, position: int, expr: str) -> str:
        return self.engine.order_text(position, expr)

    def has(self, table: str, column: str) -> bool:
        raw = self.tables.get(table)
        return raw is not None and raw.col(column) is not None

    def rel(self, table: RawTable) -> str:
        return self.engine.relation(self.schema, table.raw_name)

    def text(self, table: RawTable, column: str, alias: str | None = None) -> str:
        """A column as text; null when the table lacks it."""
        raw = table.col(column)
        if raw is None:
            return "cast(null as varchar)"
        name = self.engine.ident(raw)
        return self.engine.text(f"{alias}.{name}" if alias else name)

    def key(self, table: RawTable, column: str, alias: str | None = None) -> str:
        """An id column as staging matches it (18-character form, empty ids null)."""
        return self.engine.id_key(self.text(table, column, alias))

    def scalar(self, sql: str) -> object:
        rows = self.engine.query(sql)
        return rows[0][0] if rows else None

    def query(self, sql: str) -> list[tuple]:
        return self.engine.query(sql)


def raw_table_name(name: str, tables: list[str]) -> str | None:
    """The raw table staging reads for a contract table (macro salesforce_raw_table): the
    table of that name (on Postgres, where names are case-sensitive, as written first), else
    the first one equal to it ignoring case and underscores (UserRole for user_role)."""
    for matches in (
        lambda t: t == name,
        lambda t: t.lower() == name.lower(),
        lambda t: column_key(t) == column_key(name),
    ):
        found = next((t for t in tables if matches(t)), None)
        if found is not None:
            return found
    return None


# --- the report -------------------------------------------------------------------------------------


class Report:
    def __init__(self) -> None:
        self.header: list[str] = []
        self.sections: list[tuple[str, list[str]]] = []
        self.actions: list[str] = []

    def section(self, title: str) -> list[str]:
        lines: list[str] = []
        self.sections.append((title, lines))
        return lines

    def action(self, text: str) -> None:
        self.actions.append(text)

    def render(self) -> str:
        out = list(self.header)
        for title, lines in self.sections:
            out += ["", f"== {title} ==", *(lines or ["(nothing to report)"])]
        out += ["", "== To configure =="]
        if self.actions:
            out += [f"{i}. {text}" for i, text in enumerate(self.actions, 1)]
        else:
            out.append("Nothing to configure.")
        return "\n".join(out) + "\n"


# --- timestamps -------------------------------------------------------------------------------------

TEXT_TYPES = ("VARCHAR", "TEXT", "STRING", "CHAR", "BPCHAR")
NUMERIC_TYPES = (
    "TINYINT",
    "SMALLINT",
    "INTEGER",
    "INT",
    "BIGINT",
    "HUGEINT",
    "UBIGINT",
    "DOUBLE",
    "FLOAT",
    "DECIMAL",
    "REAL",
    "NUMERIC",
)


@dataclass
class TimeColumn:
    """How one raw timestamp or date column is written, and how to read it."""

    table: str
    column: str  # contract name
    raw_name: str
    raw_type: str
    description: str = ""
    sql: str | None = None  # the value as a UTC timestamp; None when it cannot be read
    not_iso_sample: str | None = None  # a value needing the format var (or a fix of it)
    data_type: str = "timestamp"  # the contract type: timestamp (var salesforce_timestamp_format) or date
    bad_iso_sample: str | None = None  # an ISO-shaped value that does not parse


def analyse_time_column(org: Org, table: RawTable, column: str, fmt: str | None) -> TimeColumn:
    """Reads a column the way staging does: text empty -> null, digits -> epoch seconds or
    milliseconds, 'YYYY-MM-DD...' -> ISO 8601, else the strptime format of the var."""
    engine = org.engine
    raw_name, raw_type = table.columns[column_key(column)]
    upper = raw_type.upper()
    result = TimeColumn(table.name, column, raw_name, raw_type)
    ref = engine.ident(raw_name)
    if "TIMESTAMP" in upper or upper.startswith(("DATE", "TIME")):
        result.description, result.sql = "native", engine.native_timestamp(ref)
        return result
    if upper.startswith(NUMERIC_TYPES):
        result.description, result.sql = (
            "numeric, read as epoch seconds/milliseconds",
            engine.epoch_timestamp(ref),
        )
        return result
    if not upper.startswith(TEXT_TYPES):
        result.description = f"type {raw_type} is not read as a timestamp"
        return result
    text = engine.text(ref)
    trimmed = f"trim({text})"
    digits = engine.is_digits(text)
    iso_shaped = f"{trimmed} like '____-__-__%'"
    iso = engine.iso_timestamp(text)
    formatted = engine.format_timestamp(text, fmt) if fmt else "cast(null as timestamp)"
    ms = engine.is_epoch_milliseconds(trimmed)
    kinds = {
        "epoch seconds": f"{digits} and not {ms}",
        "epoch milliseconds": f"{digits} and {ms}",
        "ISO": f"not {digits} and {iso_shaped} and {iso} is not null",
        "salesforce_timestamp_format": f"not {digits} and not {iso_shaped} and {formatted} is not null",
        "BAD ISO": f"not {digits} and {iso_shaped} and {iso} is null",
        "NOT ISO": f"not {digits} and not {iso_shaped} and {formatted} is null",
    }
    counts = org.query(
        "select "
        + ", ".join(f"count(case when {c} then 1 end)" for c in kinds.values())
        + f" from {org.rel(table)} where {text} is not null and {trimmed} <> ''"
    )[0]
    found = {kind: n for kind, n in zip(kinds, counts, strict=True) if n}
    samples = {}
    for kind in found:
        if kind != "ISO":
            row = org.query(
                f"select {trimmed} from {org.rel(table)} where {text} is not null and {trimmed} <> '' "
                f"and {kinds[kind]} limit 1"
            )
            samples[kind] = row[0][0]
    if not found:
        result.description = "text, no values"
    elif len(found) == 1:
        (kind,) = found
        result.description = "ISO text" if kind == "ISO" else f"{kind} text"
    else:
        result.description = "mixed text: " + ", ".join(f"{n} {kind}" for kind, n in found.items())
    if samples:
        result.description += (
            " (" + ", ".join(f"{kind} sample {value!r}" for kind, value in samples.items()) + ")"
        )
    result.not_iso_sample = samples.get("NOT ISO")
    result.bad_iso_sample = samples.get("BAD ISO")
    result.sql = (
        f"case when {digits} then {engine.epoch_timestamp(trimmed)} "
        f"when {iso_shaped} then {iso} else {formatted} end"
    )
    return result


def analyse_time_columns(org: Org, formats: dict[str, str | None]) -> dict[tuple[str, str], TimeColumn]:
    """`formats`: the strftime format per contract type, as staging reads them (a date column
    takes var salesforce_date_format, else the timestamp format)."""
    found: dict[tuple[str, str], TimeColumn] = {}
    for name, columns in org.contract.items():
        table = org.get(name)
        if table is None:
            continue
        for column in columns:
            if column.data_type not in ("timestamp", "date"):
                continue
            source = table.load_column if column.name == CONTRACT_LOAD_COLUMN else column.name
            if source and table.col(source):
                info = analyse_time_column(org, table, source, formats[column.data_type])
                info.data_type = column.data_type
                found[(name, column.name)] = info
    return found


def timestamps_section(
    report: Report,
    stamps: dict[tuple[str, str], TimeColumn],
    fmt: str | None,
    format_problem: str | None = None,
    date_fmt: str | None = None,
) -> None:
    """`format_problem`: why the engine cannot read fmt at all (Engine.timestamp_format_problem)."""
    lines = report.section("Timestamps and dates")
    for (table, column), info in stamps.items():
        lines.append(f'{table}.{column} (raw "{info.raw_name}", {info.raw_type}): {info.description}')
    cannot = f" ({format_problem})" if format_problem else ""
    if fmt:
        unread = f": reads no value{cannot}" if cannot else ""
        lines.append(f"var salesforce_timestamp_format: {fmt!r}{unread}")
    bad_iso = [i for i in stamps.values() if i.bad_iso_sample is not None]
    for data_type, example in (("timestamp", "%m/%d/%y %I:%M %p"), ("date", "%m/%d/%Y")):
        not_iso = [i for i in stamps.values() if i.not_iso_sample is not None and i.data_type == data_type]
        if not not_iso:
            continue
        columns = ", ".join(f"{i.table}.{i.column} (sample {i.not_iso_sample!r})" for i in not_iso)
        var_name = f"salesforce_{data_type}_format"
        given = fmt if data_type == "timestamp" else date_fmt
        if given:
            report.action(f"var {var_name} {given!r} does not parse every value of {columns}{cannot}")
        else:
            report.action(f"set var {var_name} (a strptime format, e.g. '{example}') for {columns}")
    if bad_iso:
        columns = ", ".join(f"{i.table}.{i.column} (sample {i.bad_iso_sample!r})" for i in bad_iso)
        report.action(f"fix the values that start like an ISO date but are not one in {columns}")


# --- 1. tables --------------------------------------------------------------------------------------


def spelling_of(table: RawTable, columns: tuple[Column, ...]) -> str:
    kinds = set()
    for column in columns:
        raw = table.col(column.name)
        if raw is None or column.name.startswith("_"):
            continue
        kinds.add("snake" if raw == column.name else "API" if raw == api_name(column.name) else "other")
    if kinds in ({"snake"}, {"API"}):
        return next(iter(kinds))
    return "mixed" if kinds else "no"


def created_range(org: Org, table: RawTable, stamps: dict[tuple[str, str], TimeColumn]) -> str:
    info = stamps.get((table.name, "created_date"))
    if info is None:
        return "created_date absent"
    if info.sql is None:
        return "created_date not readable"
    low, high = org.query(f"select min({info.sql}), max({info.sql}) from {org.rel(table)}")[0]
    if low is None:
        return "created_date empty"
    return f"created_date {low:%Y-%m-%d} .. {high:%Y-%m-%d}"


def tables_section(report: Report, org: Org, stamps: dict[tuple[str, str], TimeColumn]) -> None:
    lines = report.section("Tables")
    load_keys = {column_key(c) for c in org.load_columns}
    for name, columns in org.contract.items():
        table = org.get(name)
        if table is None:
            if name in org.forced_absent:
                lines.append(f"{name}: absent (listed in var salesforce_absent_tables)")
            else:
                lines.append(
                    f"{name}: absent" + (" (lead or contact is required)" if name in PERSON_TABLES else "")
                )
            continue
        contract_keys = {column_key(c.name) for c in columns}
        readable = [
            c for c in columns if table.col(c.name) or (c.name == CONTRACT_LOAD_COLUMN and table.load_column)
        ]
        absent = [c for c in columns if c not in readable]
        extra = [raw for key, (raw, _) in table.columns.items() if key not in contract_keys | load_keys]
        load = table.load_column
        load_text = f'load column "{table.col(load)}"' if load else "no load column"
        lines.append(
            f'{name}: present, raw "{table.raw_name}", {plural(table.rows, "row")}, '
            f"{spelling_of(table, columns)} spelling, {len(readable)} of {len(columns)} contract columns, "
            f"{plural(len(extra), 'extra column')}, {load_text}, {created_range(org, table, stamps)}"
        )
        if absent:
            lines.append(
                f"{name}: absent columns: "
                + ", ".join(c.name + (" (REQUIRED)" if c.required else "") for c in absent)
            )
        for column in absent:
            if column.required:
                report.action(f"add the required column {column.name} to raw table {name}")
        for key, raws in table.duplicates.items():
            lines.append(
                f"{name}: columns {', '.join(raws)} match one contract column ({key}); "
                "staging reads the first"
            )
            report.action(
                f"raw table {name}: keep one of the columns {', '.join(raws)} (same name ignoring case and _)"
            )
    if org.others:
        lines.append(f"other raw tables (not in the contract, not read): {', '.join(org.others)}")


# --- 2. opportunity stages --------------------------------------------------------------------------


@dataclass
class StageGroup:
    stage: str | None
    record_type: str | None  # record type id, 18-character form
    opportunities: int = 0
    history: int = 0

    @property
    def rows(self) -> int:
        return self.opportunities + self.history

    @property
    def tally(self) -> str:
        opportunities = plural(self.opportunities, "opportunity", "opportunities")
        return f"{opportunities}, {plural(self.history, 'history row')}"


def record_type_labels(org: Org) -> dict[str, tuple[str, ...]]:
    """Record type id (18) -> the values a seed row may name it by: developer name, label, id."""
    table = org.get("record_type")
    if table is None:
        return {}
    rows = org.query(
        f"select {org.key(table, 'id')}, {org.text(table, 'developer_name')}, {org.text(table, 'name')} "
        f"from {org.rel(table)}"
    )
    return {key: tuple(v for v in (developer, label, key) if v) for key, developer, label in rows if key}


def stages_section(report: Report, org: Org, seeds: Seeds) -> list[StageGroup]:
    """Returns one group per unmapped stage name (counts summed over record types)."""
    lines = report.section("Opportunity stages")
    opp, hist = org.get("opportunity"), org.get("opportunity_history")
    with_rt = opp is not None and opp.col("record_type_id") is not None
    groups: dict[tuple[str | None, str | None], StageGroup] = {}
    if opp is not None and opp.col("stage_name"):
        rt = org.key(opp, "record_type_id") if with_rt else "null"
        for stage, record_type, n in org.query(
            f"select {org.text(opp, 'stage_name')}, {rt}, count(*) from {org.rel(opp)} group by 1, 2"
        ):
            groups.setdefault((stage, record_type), StageGroup(stage, record_type)).opportunities += n
    if hist is not None and hist.col("stage_name"):
        if with_rt and hist.col("opportunity_id"):
            sql = (
                f"select {org.text(hist, 'stage_name', 'h')}, o.rt, count(*) from {org.rel(hist)} h "
                f"left join (select {org.key(opp, 'id')} as k, max({org.key(opp, 'record_type_id')}) as rt "
                f"from {org.rel(opp)} group by 1) o on {org.key(hist, 'opportunity_id', 'h')} = o.k "
                "group by 1, 2"
            )
        else:
            sql = f"select {org.text(hist, 'stage_name')}, null, count(*) from {org.rel(hist)} group by 1, 2"
        for stage, record_type, n in org.query(sql):
            groups.setdefault((stage, record_type), StageGroup(stage, record_type)).history += n
    if not groups:
        lines.append("no opportunity or opportunity_history table with a stage_name column")
        return []
    has_rt_column = "record_type" in seeds.stages.header
    seed_rows = seeds.stages.rows
    seed_names = {r.get("stage_name", "") for r in seed_rows}
    by_lower: dict[str, str] = {}
    for name in sorted(seed_names):
        by_lower.setdefault(name.lower(), name)
    labels = record_type_labels(org) if with_rt else {}
    unmapped: dict[str, StageGroup] = {}
    for group in sorted(groups.values(), key=lambda g: (-g.rows, g.stage or "", g.record_type or "")):
        where = ""
        if with_rt:
            if group.record_type is None:
                where = " [no record type]"
            elif group.record_type in labels:
                where = f" [record type {labels[group.record_type][0]}]"
            else:
                where = f" [record type {group.record_type} (not in record_type)]"
        tally = group.tally
        if group.stage is None or not group.stage.strip():
            lines.append(f"stage (empty){where}: {tally}: no stage name")
            continue
        rows = [r for r in seed_rows if r.get("stage_name") == group.stage]
        names_for_type = set(labels.get(group.record_type or "", ())) | (
            {group.record_type} if group.record_type else set()
        )
        typed = [
            r for r in rows if has_rt_column and r.get("record_type") and r["record_type"] in names_for_type
        ]
        any_type = [r for r in rows if not (has_rt_column and r.get("record_type"))]
        if typed:
            status = f"mapped ({typed[0].get('funnel_stage', '')}, by its record type row)"
        elif any_type:
            status = f"mapped ({any_type[0].get('funnel_stage', '')})"
        else:
            status = "UNMAPPED"
            if rows:
                only = ", ".join(sorted({r.get("record_type", "") for r in rows}))
                status += f" (the seed maps it only for record types {only})"
            elif group.stage.lower() in by_lower:
                hint = by_lower[group.stage.lower()]
                status += f' (hint: the seed has "{hint}"; stage names match case-sensitively)'
            total = unmapped.setdefault(group.stage, StageGroup(group.stage, None))
            total.opportunities += group.opportunities
            total.history += group.history
        lines.append(f"stage {quoted(group.stage)}{where}: {tally}: {status}")
    if unmapped:
        names = ", ".join(quoted(s) for s in unmapped)
        report.action(f"add {plural(len(unmapped), 'stage name')} to seeds/{STAGE_SEED}: {names}")
    return list(unmapped.values())


# --- 3. activities ----------------------------------------------------------------------------------


def like_matches(value: str, pattern: str) -> bool:
    """SQL LIKE without an escape character: % any run, _ any one character."""
    regex = "".join(".*" if ch == "%" else "." if ch == "_" else re.escape(ch) for ch in pattern)
    return re.fullmatch(regex, value, flags=re.DOTALL) is not None


def rule_matches(rule: dict[str, str], value: str | None) -> bool:
    """How int_activity_milestones compares an activity value with a rule, case-insensitively."""
    if value is None:
        return False
    value, wanted = value.lower(), rule.get("match_value", "").lower()
    operator = rule.get("match_operator", "")
    if operator == "equals":
        return value == wanted
    if operator == "starts_with":
        return like_matches(value, wanted + "%")
    if operator == "contains":
        return like_matches(value, "%" + wanted + "%")
    return False


def describe_rule(number: int, rule: dict[str, str]) -> str:
    return (
        f"rule {number} ({rule.get('milestone', '')}: {rule.get('activity_object', '')} "
        f"{rule.get('match_field', '')} {rule.get('match_operator', '')} "
        f"{quoted(rule.get('match_value', ''))}, "
        f"department {rule.get('owner_department', '')})"
    )


@dataclass
class ZeroRule:
    number: int
    rule: dict[str, str]
    reason: str


def activities_section(report: Report, org: Org, seeds: Seeds) -> list[ZeroRule]:
    """Returns the rules that match no raw row."""
    lines = report.section("Activities")
    rules = list(enumerate(seeds.rules.rows, 1))
    for obj, fields in ACTIVITY_FIELDS.items():
        table = org.get(obj)
        if table is None:
            lines.append(f"{obj}: table absent")
            continue
        for match_field, column in fields.items():
            if table.col(column) is None:
                lines.append(f"{obj}.{column}: column absent")
                continue
            expr = org.text(table, column)
            distinct = int(org.scalar(f"select count(distinct {expr}) from {org.rel(table)}") or 0)
            values = org.query(
                f"select {expr}, count(*) from {org.rel(table)} group by 1 "
                f"order by 2 desc, {org.order_text(1, expr)} nulls last "
                f"limit {TOP_SUBJECTS if match_field == 'subject' else TOP_VALUES}"
            )
            shown = f" (top {len(values)} by count)" if distinct > len(values) else ""
            lines.append(f"{obj}.{column}: {plural(distinct, 'distinct value')}{shown}")
            for value, n in values:
                hits = [
                    f"rule {i} ({r.get('milestone', '')})"
                    for i, r in rules
                    if r.get("activity_object") == obj
                    and r.get("match_field") == match_field
                    and rule_matches(r, value)
                ]
                label = "(null)" if value is None else quoted(value)
                lines.append(f"{obj}.{column} {label}: {plural(n, 'row')}: " + (", ".join(hits) or "no rule"))
    zero: list[ZeroRule] = []
    for number, rule in rules:
        obj, match_field = rule.get("activity_object", ""), rule.get("match_field", "")
        operator = rule.get("match_operator", "")
        table = org.get(obj)
        column = ACTIVITY_FIELDS.get(obj, {}).get(match_field)
        reason, count = "", 0
        if obj not in ACTIVITY_FIELDS:
            reason = f"unknown activity_object {obj!r}"
        elif column is None:
            reason = f"unknown match_field {match_field!r}"
        elif operator not in MATCH_OPERATORS:
            reason = f"unknown match_operator {operator!r}"
        elif table is None:
            reason = f"table {obj} absent"
        elif table.col(column) is None:
            reason = f"column {obj}.{column} absent"
        else:
            value = f"lower({org.text(table, column)})"
            wanted = sql_literal(rule.get("match_value", "").lower())
            condition = {
                "equals": f"{value} = {wanted}",
                "starts_with": f"{value} like {wanted} || '%'",
                "contains": f"{value} like '%' || {wanted} || '%'",
            }[operator]
            count = int(org.scalar(f"select count(*) from {org.rel(table)} where {condition}") or 0)
            reason = "no raw value matches"
        text = f"{describe_rule(number, rule)}: {plural(count, 'raw row')}"
        if count == 0:
            text += f": ZERO MATCHES ({reason})"
            zero.append(ZeroRule(number, rule, reason))
            report.action(
                f"{describe_rule(number, rule)} matches 0 rows ({reason}): "
                f"fix or remove it in seeds/{RULE_SEED}"
            )
        lines.append(text)
    return zero


# --- 4. roles and departments ------------------------------------------------------------------------


@dataclass
class RoleInfo:
    role_id: str
    name: str | None
    developer_name: str | None
    department: str | None = None
    matched_by: str = ""
    users: int = 0
    by_field: int = 0  # users whose department comes from their Department field
    without_department: int = 0

    @property
    def seed_key(self) -> str:
        """What the seed's user_role_developer_name must say to map this role."""
        return self.developer_name or self.name or self.role_id

    @property
    def label(self) -> str:
        dev = f"developer_name {self.developer_name}" if self.developer_name else "no developer_name"
        return f"role {quoted(self.name or '')} ({dev}, id {self.role_id})"


def roles_section(report: Report, org: Org, seeds: Seeds, field_fallback: bool) -> list[RoleInfo]:
    """Returns the roles to add to the seed: unmapped, with users that get no department at all.

    As int_users_departments: the seed matches the role's developer_name exactly, else its
    label ignoring case, spaces and underscores; a user of no mapped role takes the Department
    field when it names a department of the seed (var user_department_field_fallback), and the
    seed user_department_history gives departments to the users it lists."""
    lines = report.section("Roles and departments")
    exact = {r.get("user_role_developer_name", ""): r.get("department", "") for r in seeds.roles.rows}
    by_key: dict[str, str] = {}
    for key in sorted(exact):
        by_key.setdefault(role_key(key), exact[key])
    departments = {d.lower(): d for d in sorted(set(exact.values())) if d}
    history = {salesforce_id(r.get("user_id")) for r in seeds.history.rows} - {None}
    lines.append(
        f"departments of seeds/{ROLE_SEED}: {', '.join(sorted(departments.values())) or 'none'}; "
        f"department field fallback {'on' if field_fallback else 'off'} "
        "(var user_department_field_fallback); "
        f"{plural(len(history), 'user')} in seeds/{HISTORY_SEED}"
    )
    roles: dict[str, RoleInfo] = {}
    role_table = org.get("user_role")
    if role_table is None:
        lines.append("user_role: table absent; no user gets a department from a role")
    else:
        for role_id, name, developer_name in org.query(
            f"select {org.key(role_table, 'id')}, {org.text(role_table, 'name')}, "
            f"{org.text(role_table, 'developer_name')} from {org.rel(role_table)}"
        ):
            if role_id is None or role_id in roles:
                continue
            info = RoleInfo(role_id, (name or "").strip() or None, (developer_name or "").strip() or None)
            if info.developer_name and info.developer_name in exact:
                info.department, info.matched_by = exact[info.developer_name], "developer_name"
            elif info.name and role_key(info.name) in by_key:
                info.department, info.matched_by = by_key[role_key(info.name)], "label"
            roles[role_id] = info
    user_table = org.get("user")
    groups = {"without a role": [0, 0, []], "whose role is not in user_role": [0, 0, []]}
    if user_table is None:
        lines.append("user: table absent; activity owners get no department")
        if any(r.get("owner_department", "any") != "any" for r in seeds.rules.rows):
            report.action(
                "load the user table (and user_role): milestone rules naming an owner department match no "
                "activity without it"
            )
    else:
        for user_id, role_id, department in org.query(
            f"select {org.key(user_table, 'id')}, {org.key(user_table, 'user_role_id')}, "
            f"{org.text(user_table, 'department')} from {org.rel(user_table)}"
        ):
            from_field = field_fallback and (department or "").strip().lower() in departments
            from_history = user_id in history
            role = roles.get(role_id) if role_id else None
            if role is not None:
                role.users += 1
                if role.department is None:
                    role.by_field += from_field
                    role.without_department += not (from_field or from_history)
                continue
            group = groups["without a role" if role_id is None else "whose role is not in user_role"]
            group[0] += 1
            if not (from_field or from_history):
                group[1] += 1
                group[2].append(user_id or "(no id)")
    to_add: list[RoleInfo] = []
    for info in sorted(roles.values(), key=lambda r: ((r.name or "").lower(), r.role_id)):
        users = plural(info.users, "user")
        if info.department is not None:
            lines.append(f"{info.label}: {users}: mapped to {info.department} (by {info.matched_by})")
            continue
        status = "UNMAPPED"
        near = [k for k in exact if info.developer_name and k.lower() == info.developer_name.lower()]
        if near:
            status += f' (hint: the seed has "{near[0]}"; developer names match exactly)'
        if info.users == 0:
            detail = "no users"
        elif info.without_department:
            detail = f"{plural(info.without_department, 'user')} without any department"
            to_add.append(info)
        else:
            detail = "every user gets a department from the department field or user_department_history"
        lines.append(f"{info.label}: {users}: {status}, {detail}")
    if to_add:
        names = ", ".join(
            f"{r.seed_key} ({plural(r.without_department, 'user')} without a department)" for r in to_add
        )
        report.action(f"add {plural(len(to_add), 'role')} to seeds/{ROLE_SEED}: {names}")
    if user_table is not None:
        for which, (count, without, ids) in groups.items():
            if count == 0 and which != "without a role":
                continue
            ids_text = f" (ids: {listed(ids)})" if ids else ""
            detail = (
                f" ({count - without} get a department from the department field or user_department_history, "
                f"{without} without any department)"
                if count
                else ""
            )
            lines.append(f"users {which}: {count}{detail}{ids_text}")
            if without:
                report.action(
                    f"{plural(without, 'user')} {which} {verb(without, 'gets', 'get')} no department: "
                    f"give {verb(without, 'it', 'them')} a mapped role, a row in "
                    f"seeds/{HISTORY_SEED}, or a department field naming a seed department{ids_text}"
                )
    return to_add


# --- 5. currencies ----------------------------------------------------------------------------------


def currencies_section(report: Report, org: Org) -> None:
    lines = report.section("Currencies")
    sources = [t for t in ("opportunity", "campaign") if org.has(t, "currency_iso_code")]
    if not sources:
        lines.append("no currency_iso_code column on opportunity or campaign: a single-currency org")
        return
    counts: dict[str | None, dict[str, int]] = {}
    for name in sources:
        table = org.tables[name]
        code = f"nullif(upper(trim({org.text(table, 'currency_iso_code')})), '')"
        for value, n in org.query(f"select {code}, count(*) from {org.rel(table)} group by 1"):
            counts.setdefault(value, {})[name] = n
    codes = sorted(c for c in counts if c is not None)
    rates: dict[str, set[str]] = {}
    for name in ("currency_type", "dated_conversion_rate"):
        table = org.get(name)
        if table is not None and table.col("iso_code"):
            rows = org.query(
                f"select distinct upper(trim({org.text(table, 'iso_code')})) from {org.rel(table)}"
            )
            rates[name] = {r[0] for r in rows if r[0]}
    multi = len(codes) > 1
    lines.append(
        f"{'multi-currency' if multi else 'single-currency'} org: {plural(len(codes), 'code')} "
        f"({', '.join(codes) or 'none'}) on {', '.join(sources)}"
    )
    missing = []
    for code in [*codes, None]:
        if code not in counts:
            continue
        tally = ", ".join(f"{name} {counts[code].get(name, 0)}" for name in sources)
        if code is None:
            lines.append(f"currency (empty): {tally}")
            continue
        found = [f"{name} {'yes' if code in got else 'no'}" for name, got in rates.items()]
        status = ", ".join(found) or "no currency_type or dated_conversion_rate table"
        if multi and rates and not any(code in got for got in rates.values()):
            status += ": NO RATE"
            missing.append(code)
        lines.append(f"currency {code}: {tally}: {status}")
    if multi and not rates:
        report.action(
            "load currency_type or dated_conversion_rate: "
            f"the org has {len(codes)} currencies ({', '.join(codes)})"
        )
    elif missing:
        report.action(
            f"add exchange rates for {', '.join(missing)} to currency_type or dated_conversion_rate "
            "(amounts in them cannot be converted)"
        )


# --- 6. ids -----------------------------------------------------------------------------------------


def is_id_column(column: Column) -> bool:
    return column.data_type == "string" and (column.name == "id" or column.name.endswith("_id"))


def ids_section(report: Report, org: Org) -> None:
    lines = report.section("Ids")
    lines.append(
        "empty ids: '000000000000000AAA', '000000000000000', ''; ids match in their 18-character form "
        "(a 15-character id gets its checksum suffix), i.e. on the first 15 characters, case-sensitively"
    )
    _id_forms(report, org, lines)
    _orphans(org, lines)
    _contacts_without_leads(org, lines)
    _opportunities_without_person_path(org, lines)


def _id_forms(report: Report, org: Org, lines: list[str]) -> None:
    """Empty and 15-character ids per id column, and ids whose suffix is not the checksum."""
    short_total = 0
    not_genuine: list[str] = []
    for name, columns in org.contract.items():
        table = org.get(name)
        if table is None:
            continue
        id_columns = [c.name for c in columns if is_id_column(c) and table.col(c.name)]
        if not id_columns:
            continue
        aggregates = []
        for column in id_columns:
            value = org.text(table, column)
            aggregates += [
                f"count({value})",
                f"count(case when {value} = {sql_literal(EMPTY_IDS[0])} then 1 end)",
                f"count(case when {value} = {sql_literal(EMPTY_IDS[1])} then 1 end)",
                f"count(case when {value} = '' then 1 end)",
                f"count(case when length({value}) = 15 and {value} <> {sql_literal(EMPTY_IDS[1])} "
                "then 1 end)",
            ]
        if "id" in id_columns:
            value = org.text(table, "id")
            aggregates.append(
                f"count(case when length({value}) = 18 and {value} <> {sql_literal(EMPTY_IDS[0])} "
                f"and substr({value}, 16, 3) <> {org.engine.id_checksum(value)} then 1 end)"
            )
        row = org.query(f"select count(*), {', '.join(aggregates)} from {org.rel(table)}")[0]
        total = row[0]
        for i, column in enumerate(id_columns):
            filled, e18, e15, blank, short = row[1 + 5 * i : 6 + 5 * i]
            empty = e18 + e15 + blank
            short_total += short
            if not (empty or short):
                continue  # a clean id column says nothing the user must act on
            lines.append(
                f"{name}.{column}: {filled - empty} set, {total - filled} null, {empty} empty "
                f"('000000000000000AAA' {e18}, '000000000000000' {e15}, '' {blank}), {short} in 15-char form"
            )
        if "id" in id_columns and row[-1]:
            at = 1 + 5 * id_columns.index("id")
            filled, e18, e15, blank = row[at : at + 4]
            not_genuine.append(f"{name}.id ({row[-1]})")
            lines.append(
                f"{name}.id: {row[-1]} of {filled - e18 - e15 - blank} ids are not genuine Salesforce ids "
                "(their last 3 characters are not the checksum of the first 15): "
                "a 15-character reference cannot match them"
            )
    if not_genuine and short_total:
        report.action(
            f"15-character ids cannot match the ids of {', '.join(not_genuine)}, whose last 3 characters "
            "are not the Salesforce checksum: load genuine 18-character ids (or all ids in one form)"
        )


def _orphans(org: Org, lines: list[str]) -> None:
    """References (ORPHAN_CHECKS) whose value is the id of no row of the target tables."""
    for table_name, column, targets in ORPHAN_CHECKS:
        table = org.get(table_name)
        present = [t for t in targets if org.has(t, "id")]
        if table is None or table.col(column) is None or not present:
            continue
        keys = " union ".join(
            f"select {org.key(org.tables[t], 'id')} as k from {org.rel(org.tables[t])}" for t in present
        )
        set_count, orphans, queues = org.query(
            f"select count(*), count(case when r.k is null then 1 end), "
            f"count(case when r.k is null and v.k like '{QUEUE_PREFIX}%' then 1 end) "
            f"from (select {org.key(table, column)} as k from {org.rel(table)}) v "
            f"left join (select distinct k from ({keys}) u where k is not null) r on v.k = r.k "
            f"where v.k is not null"
        )[0]
        notes = []
        if len(present) < len(targets):
            notes.append(f"checked against {', '.join(present)} only")
        if queues:
            notes.append(f"{queues} look like queue ids ({QUEUE_PREFIX}...)")
        suffix = f" ({'; '.join(notes)})" if notes else ""
        lines.append(
            f"orphans {table_name}.{column} -> {' or '.join(targets)}: "
            f"{orphans} of {set_count} set values{suffix}"
        )


def _contacts_without_leads(org: Org, lines: list[str]) -> None:
    """Contacts that no lead was converted into."""
    lead, contact = org.get("lead"), org.get("contact")
    if lead is not None and contact is not None and lead.col("converted_contact_id") and contact.col("id"):
        total, without = org.query(
            f"select count(*), count(case when l.k is null then 1 end) "
            f"from (select {org.key(contact, 'id')} as k from {org.rel(contact)}) c "
            f"left join (select distinct {org.key(lead, 'converted_contact_id')} as k "
            f"from {org.rel(lead)}) l "
            f"on c.k = l.k where c.k is not null"
        )[0]
        lines.append(
            f"contacts without leads: {without} of {total} contacts (no lead was converted into them)"
        )


def _opportunities_without_person_path(org: Org, lines: list[str]) -> None:
    """Opportunities with no contact_id, no contact role (and no converting lead)."""
    lead, opp = org.get("lead"), org.get("opportunity")
    if opp is not None and opp.col("id"):
        ocr = org.get("opportunity_contact_role")
        joins, conditions, paths = [], [], []
        if opp.col("contact_id"):
            conditions.append(f"{org.key(opp, 'contact_id', 'o')} is null")
            paths.append("contact_id")
        if ocr is not None and ocr.col("opportunity_id"):
            joins.append(
                f"left join (select distinct {org.key(ocr, 'opportunity_id')} as k from {org.rel(ocr)}) r "
                f"on {org.key(opp, 'id', 'o')} = r.k"
            )
            conditions.append("r.k is null")
            paths.append("opportunity_contact_role")
        converting = lead is not None and lead.col("converted_opportunity_id") is not None
        if converting:
            joins.append(
                f"left join (select distinct {org.key(lead, 'converted_opportunity_id')} as k "
                f"from {org.rel(lead)}) l on {org.key(opp, 'id', 'o')} = l.k"
            )
        no_path = " and ".join(conditions) or "true"
        total, without, without_lead = org.query(
            f"select count(*), count(case when {no_path} then 1 end), "
            f"count(case when {no_path} and {'l.k is null' if converting else 'true'} then 1 end) "
            f"from {org.rel(opp)} o {' '.join(joins)}"
        )[0]
        via = " or ".join(paths) or "none (no contact_id, no opportunity_contact_role)"
        extra = (
            f"; {without_lead} of them {verb(without_lead, 'has', 'have')} no converting lead either"
            if converting
            else ""
        )
        lines.append(
            f"opportunities without a person path: {without} of {total} opportunities (checked: {via}){extra}"
        )


# --- 7. as-of date ----------------------------------------------------------------------------------


def as_of_section(
    report: Report, org: Org, stamps: dict[tuple[str, str], TimeColumn], pinned: object
) -> None:
    """As int_as_of_date: the day before the latest coalesce(load, system_modstamp) when a loader
    column has values; without one (a same-day export), the date of the latest
    coalesce(system_modstamp, created_date) itself; var as_of_date overrides both."""
    lines = report.section("As-of date")
    loads, loader_values, records = [], [], []
    for name in AS_OF_TABLES:
        table = org.get(name)
        if table is None:
            continue
        load, modified, created = (
            time_sql(stamps, name, c) for c in (CONTRACT_LOAD_COLUMN, "system_modstamp", "created_date")
        )
        latest_load, latest_loader, latest_record = org.query(
            f"select max(coalesce({load}, {modified})), max({load}), max(coalesce({modified}, {created})) "
            f"from {org.rel(table)}"
        )[0]
        source = (
            f'"{table.col(table.load_column)}", else system_modstamp'
            if table.load_column
            else "system_modstamp: no load column"
        )
        lines.append(
            f"latest {name}: load {fmt_ts(latest_load)} ({source}), "
            f"record {fmt_ts(latest_record)} (system_modstamp, else created_date)"
        )
        loads.append(latest_load)
        loader_values.append(latest_loader)
        records.append(latest_record)
    if pinned not in (None, ""):
        text = str(pinned)
        try:
            day = dt.date.fromisoformat(text)
        except ValueError:
            lines.append(f"as-of date: var as_of_date {text!r} is not a YYYY-MM-DD date")
            report.action(f"fix var as_of_date {text!r}: it must be a YYYY-MM-DD date")
            return
        lines.append(f"as-of date: {day:%Y-%m-%d} (rule: pinned by var as_of_date)")
        return
    if any(v is not None for v in loader_values):
        latest = max(v for v in loads if v is not None)
        day = latest.date() - dt.timedelta(days=1)
        rule = f"the day before the latest load timestamp {fmt_ts(latest)}"
    elif any(v is not None for v in records):
        latest = max(v for v in records if v is not None)
        day = latest.date()
        rule = (
            "no load timestamps (a same-day export): "
            f"the date of the latest record timestamp {fmt_ts(latest)}"
        )
    else:
        lines.append("as-of date: unknown (no readable load, system_modstamp or created_date value)")
        report.action("set var as_of_date (YYYY-MM-DD): no timestamp in the data gives it")
        return
    lines.append(f"as-of date: {day:%Y-%m-%d} (rule: {rule})")


def time_sql(stamps: dict[tuple[str, str], TimeColumn], table: str, column: str) -> str:
    info = stamps.get((table, column))
    return info.sql if info is not None and info.sql else "cast(null as timestamp)"


def fmt_ts(value: dt.datetime | None) -> str:
    return f"{value:%Y-%m-%d %H:%M:%S}" if value is not None else "none"


# --- --write-seeds ----------------------------------------------------------------------------------


def append_rows(source: Path, target: Path, rows: list[dict[str, str]]) -> list[str]:
    """Copies `source` to `target` byte for byte and appends `rows` in its header's column order,
    with its line ending; returns the appended lines."""
    data = source.read_bytes()
    newline = "\r\n" if b"\r\n" in data else "\n"
    if data and not data.endswith(b"\n"):
        data += newline.encode()
    with open(source, encoding="utf-8", newline="") as fh:
        header = next(csv.reader(fh), [])
    lines = []
    for row in rows:
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="").writerow([row.get(column, "") for column in header])
        lines.append(buffer.getvalue())
    target.write_bytes(data + "".join(line + newline for line in lines).encode("utf-8"))
    return lines


def guess_stage(name: str) -> tuple[str, str, str]:
    """(funnel_stage, is_closed, is_won) guessed from a stage name."""
    lower = name.lower()
    if "won" in lower:
        return "won", "true", "true"
    if "lost" in lower or "closed" in lower:
        return "lost", "true", "false"
    return "pipeline", "false", "false"


def write_seeds(
    out_dir: Path, seeds: Seeds, stages: list[StageGroup], roles: list[RoleInfo], zero_rules: list[ZeroRule]
) -> str:
    """Writes the draft seeds and REVIEW.md into out_dir; returns the REVIEW.md text."""
    out_dir.mkdir(parents=True, exist_ok=True)
    orders = [int(r["stage_order"]) for r in seeds.stages.rows if r.get("stage_order", "").isdigit()]
    stage_rows = []
    for offset, group in enumerate(stages):
        funnel_stage, is_closed, is_won = guess_stage(group.stage or "")
        stage_rows.append(
            {
                "stage_name": group.stage or "",
                "funnel_stage": funnel_stage,
                "stage_order": str(max(orders, default=0) + 1 + offset),
                "is_closed": is_closed,
                "is_won": is_won,
                "record_type": "",
            }
        )
    stage_lines = append_rows(seeds.stages.path, out_dir / STAGE_SEED, stage_rows)
    role_rows = [{"user_role_developer_name": r.seed_key, "department": UNASSIGNED} for r in roles]
    role_lines = append_rows(seeds.roles.path, out_dir / ROLE_SEED, role_rows)
    (out_dir / RULE_SEED).write_bytes(seeds.rules.path.read_bytes())

    review = [
        "# Draft seeds to review",
        "",
        "Written by scripts/inspect_crm.py. The rows of the original seeds are unchanged; every row",
        "listed here was added and is a guess to review. Copy the reviewed files into seeds/.",
        "",
        f"## {STAGE_SEED}",
        "",
    ]
    if stage_lines:
        review += [
            "Added: funnel_stage, is_closed and is_won guessed from the name, stage_order after the highest,"
            + (" record_type empty (any record type)." if "record_type" in seeds.stages.header else ""),
            "",
        ]
        for line, group in zip(stage_lines, stages, strict=True):
            review.append(f"- REVIEW `{line}`: stage {quoted(group.stage)}, {group.tally}")
    else:
        review.append("No rows added.")
    review += ["", f"## {ROLE_SEED}", ""]
    if role_lines:
        review += [f"Added with department `{UNASSIGNED}`: replace it with the role's department.", ""]
        for line, role in zip(role_lines, roles, strict=True):
            note = (
                f"; {role.by_field} {verb(role.by_field, 'takes', 'take')} the department field now "
                f"and would get {UNASSIGNED} instead"
                if role.by_field
                else ""
            )
            review.append(
                f"- REVIEW `{line}`: {role.label}, {plural(role.users, 'user')}, "
                f"{role.without_department} without any department{note}"
            )
    else:
        review.append("No rows added.")
    review += ["", f"## {RULE_SEED}", ""]
    if zero_rules:
        review += ["Unchanged. These rules match no raw row; edit or remove them by hand:", ""]
        for zero in zero_rules:
            values = ",".join(zero.rule.get(column, "") for column in seeds.rules.header)
            review.append(f"- REVIEW rule {zero.number} `{values}`: {zero.reason}")
    else:
        review.append("Unchanged; every rule matches raw rows.")
    text = "\n".join(review) + "\n"
    (out_dir / "REVIEW.md").write_text(text, encoding="utf-8")
    return text


# --- main -------------------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--target",
        choices=TARGETS,
        default="duckdb",
        help="where the raw tables are: duckdb (--duckdb FILE) or postgres (the connection of "
        "profiles.yml's postgres output: DBT_POSTGRES_HOST, _PORT, _USER, _PASSWORD, _DBNAME; "
        "default duckdb)",
    )
    parser.add_argument(
        "--duckdb",
        type=Path,
        help="DuckDB file holding the raw tables (opened read-only); required with --target duckdb",
    )
    parser.add_argument(
        "--schema", help="schema of the raw tables (default: var salesforce_schema, else salesforce)"
    )
    parser.add_argument(
        "--vars",
        help="YAML mapping of dbt vars over dbt_project.yml's, as for dbt: as_of_date, salesforce_schema, "
        "salesforce_timestamp_format, salesforce_loaded_at_columns, salesforce_absent_tables, "
        "user_department_field_fallback",
    )
    parser.add_argument(
        "--write-seeds",
        type=Path,
        metavar="DIR",
        help="write draft seeds with the unmapped values, and REVIEW.md",
    )
    parser.add_argument(
        "--project-dir", type=Path, default=PROJECT_DIR, help="dbt project (default: this one)"
    )
    parser.add_argument("--seeds-dir", type=Path, help="seeds to check against (default: PROJECT_DIR/seeds)")
    parser.add_argument("--contract", type=Path, help="sources YAML (default: the project's)")
    return parser


def args_problem(args: argparse.Namespace) -> str | None:
    """What is wrong with the combination of --target and --duckdb, or None."""
    target = getattr(args, "target", "duckdb")
    if target == "postgres" and args.duckdb is not None:
        return (
            "--duckdb cannot be used with --target postgres "
            "(the connection comes from the DBT_POSTGRES_* variables)"
        )
    if target == "duckdb" and args.duckdb is None:
        return "--duckdb FILE is required (or --target postgres)"
    return None


def inspect(args: argparse.Namespace) -> str:
    project_dir = args.project_dir.resolve()
    variables = load_vars(project_dir, args.vars)
    schema = args.schema or variables.get("salesforce_schema") or "salesforce"
    fmt = variables.get("salesforce_timestamp_format") or None
    seeds_dir = args.seeds_dir or project_dir / "seeds"
    seeds = Seeds.load(seeds_dir)
    contract = load_contract_tables(args.contract or find_contract(project_dir))
    engine = open_engine(args)
    try:
        org = Org(
            engine,
            schema,
            contract,
            var_list(variables, "salesforce_loaded_at_columns", LOAD_COLUMNS),
            var_list(variables, "salesforce_absent_tables", ()),
        )
        report = Report()
        report.header = [
            "Salesforce raw data inspection (scripts/inspect_crm.py)",
            f"database: {engine.source} ({engine.label}, read-only), schema: {schema}",
            f"seeds: {seeds_dir}",
            f"vars: as_of_date={show(variables.get('as_of_date'))}, salesforce_timestamp_format={show(fmt)}",
            "counts are of raw rows: soft-deleted and re-synced copies included",
        ]
        date_fmt = variables.get("salesforce_date_format") or None
        stamps = analyse_time_columns(org, {"timestamp": fmt, "date": date_fmt or fmt})
        tables_section(report, org, stamps)
        timestamps_section(
            report, stamps, fmt, engine.timestamp_format_problem(fmt) if fmt else None, date_fmt
        )
        stages = stages_section(report, org, seeds)
        zero_rules = activities_section(report, org, seeds)
        roles = roles_section(report, org, seeds, var_bool(variables, "user_department_field_fallback", True))
        currencies_section(report, org)
        ids_section(report, org)
        as_of_section(report, org, stamps, variables.get("as_of_date"))
        if args.write_seeds:
            review = write_seeds(args.write_seeds, seeds, stages, roles, zero_rules)
            lines = report.section("Draft seeds")
            lines.append(f"wrote {STAGE_SEED}, {ROLE_SEED}, {RULE_SEED} and REVIEW.md to {args.write_seeds}")
            lines += review.rstrip("\n").splitlines()
    finally:
        engine.close()
    return report.render()


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    problem = args_problem(args)
    if problem:
        parser.error(problem)
    try:
        text = inspect(args)
    except InspectError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())

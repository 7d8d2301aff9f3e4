"""The project's structure, checked on the manifest of a fresh `dbt parse`.

The path of a record reads in one direction: sources -> base -> staging -> intermediate ->
marts. The checks:
- a base model reads only its source; a staging model reads only base models;
- intermediate models and marts never read a source or a base view directly;
- an intermediate model never reads a mart (a re-grain of a mart for another mart lives in
  the marts folder);
- every model in models/marts belongs to a group, and is public (the scheduled job publishes
  the public models) or private to its group (a re-grain only its own group's marts read);
  nothing outside models/marts is public;
- a stage column's values are tested against the seeds (the generic test accepted_stages), never
  against a list written in YAML; the stage names a milestone column's accepted_values test lists
  are stages of the seeds (funnel_stages, funnel_factors, opportunity_stage_mapping);
- the never-null columns of every model past base (staging, intermediate, marts, audit) are
  not_null contract constraints, which the warehouse enforces (the DuckDB build declares each
  of them NOT NULL); every model with such columns carries the test not_null_constraints_hold,
  which checks them where constraints are not enforced (Spark); no such model's column keeps a
  plain not_null test node (the base models are outside the rule);
- every unit test's name fits a Postgres identifier (63 characters): its fixture relations are
  named after it, and the Postgres golden runs every unit test.

- the DAG's shape stays within agreed limits (dbt-project-evaluator's rules, with the
  exceptions listed below and why): no model outside models/audit reads more than
  MAX_DIRECT_PARENTS models, seeds or sources; a model read by a single model that also reads
  one of its parents (a "rejoined concept") is one of ALLOWED_REJOINS; no model has more than
  MAX_LEAF_FANOUT leaf children that are not public marts (public marts are read by the BI
  exposures, so they are leaves by design). Each listed exception must still occur.

Each rule is also run against a manifest broken on purpose, so a check that looks at nothing
cannot pass.
"""

from __future__ import annotations

import copy
import csv
import json
import shutil
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest
from dbt_runner import PROJECT_DIR, run_dbt

PACKAGE = "revenue_funnel"
LAYERS = ("staging", "intermediate", "marts", "audit")

# The DAG's shape (docs/structure.md lists these exceptions and why they stay).
MAX_DIRECT_PARENTS = 7
# the audit models count the rows of every table by design, so they are not limited
DIRECT_PARENTS_UNLIMITED_LAYERS = {"audit"}
ALLOWED_MANY_PARENTS = {
    # inferred users: every table that names an owner may name one the user extract lacks
    "dim_users",
    # an opportunity finds its person through a converted lead, a contact role, a contact or
    # its account, and is priced at the dated exchange rate
    "int_opportunity_outcomes",
}
# (grandparent, parent, child): a step read only by the next one, kept apart because it is
# unit-tested on its own (cost spread, expected appointment rates, hand-offs, activity rules)
ALLOWED_REJOINS = {
    ("dim_campaigns", "fct_campaign_period_costs", "fct_campaign_period_handoffs"),
    ("dim_campaigns", "fct_campaign_period_handoffs", "fct_campaign_performance_rollups"),
    ("fct_funnel_leads", "fct_channel_appointment_expectations", "fct_campaign_period_handoffs"),
    ("int_users_departments", "int_activity_milestones", "int_person_stages"),
}
MAX_LEAF_FANOUT = 3

# Values of stage columns that are states, not stages: an opportunity whose stage the seed
# does not map, and the KPI of the won amount (seeds/funnel_factors.csv lists it too).
NON_STAGE_STATES = {"unmapped"}
STAGE_COLUMN_MARKERS = ("stage",)
# columns whose accepted values are stage names, listed in YAML (the two milestones activities mark)
STAGE_NAMED_COLUMN_MARKERS = ("stage", "milestone")
STAGE_COLUMN_EXCLUDED = {"stage_order", "stage_name"}


def layer(node: dict) -> str | None:
    parts = Path(node["original_file_path"]).parts
    if node["resource_type"] != "model" or parts[0] != "models":
        return None
    if node["name"].startswith("base_"):
        return "base"
    return parts[1] if parts[1] in LAYERS else None


def is_public_mart(node: dict) -> bool:
    return layer(node) == "marts" and node.get("access") == "public"


def has_contract_constraints_rule(node: dict) -> bool:
    """Models whose never-null columns must be not_null contract constraints: all past base."""
    return layer(node) not in {None, "base"}


def models(manifest: dict) -> dict[str, dict]:
    return {
        node["unique_id"]: node
        for node in manifest["nodes"].values()
        if node["package_name"] == PACKAGE and node["resource_type"] == "model"
    }


def direction_problems(manifest: dict) -> list[str]:
    """Every dependency that runs against sources -> base -> staging -> intermediate -> marts."""
    nodes = models(manifest)
    problems: list[str] = []
    for node in sorted(nodes.values(), key=lambda n: n["name"]):
        own = layer(node)
        parents = node["depends_on"]["nodes"]
        parent_layers = {
            parent: (
                "source"
                if parent.startswith("source.")
                else layer(nodes[parent])
                if parent in nodes
                else None
            )
            for parent in parents
        }
        name = node["name"]
        for parent, parent_layer in sorted(parent_layers.items()):
            parent_name = parent.split(".")[-1]
            if own == "base" and parent_layer != "source":
                problems.append(f"{name}: a base model reads {parent_name}, not only its source")
            if own == "staging" and parent_layer not in {"base", None}:
                problems.append(
                    f"{name}: a staging model reads {parent_name} ({parent_layer}), not only base"
                )
            if own in {"intermediate", "marts"} and parent_layer in {"source", "base"}:
                problems.append(f"{name}: reads {parent_name} ({parent_layer}) past staging")
            if own == "intermediate" and parent_layer == "marts":
                problems.append(f"{name}: an intermediate model reads the mart {parent_name}")
    return problems


def access_problems(manifest: dict) -> list[str]:
    """The marts are the public interface (each in a group, or private to its group), and
    nothing else is public."""
    problems = []
    for node in sorted(models(manifest).values(), key=lambda n: n["name"]):
        public = node.get("access") == "public"
        is_mart = layer(node) == "marts"
        if is_mart and node.get("access") not in {"public", "private"}:
            problems.append(
                f"{node['name']}: a mart that is neither public nor private to its group"
                " (the job would not publish it)"
            )
        if is_mart and not node.get("group"):
            problems.append(f"{node['name']}: a mart without a group (and so without an owner)")
        if public and not is_mart:
            problems.append(f"{node['name']}: access: public outside models/marts (the job would publish it)")
    return problems


def dag_shape_problems(manifest: dict) -> list[str]:
    """Too many parents, rejoined concepts and fan-out beyond the agreed limits."""
    nodes = models(manifest)
    name = {uid: uid.split(".")[-1] for uid in manifest["nodes"]} | {
        uid: uid.split(".")[-1] for uid in manifest.get("sources", {})
    }
    children: dict[str, set[str]] = {uid: set() for uid in nodes}
    for uid, node in nodes.items():
        for parent in node["depends_on"]["nodes"]:
            if parent in children:
                children[parent].add(uid)
    problems = []
    many_parents = set()
    for node in sorted(nodes.values(), key=lambda n: n["name"]):
        parents = node["depends_on"]["nodes"]
        if len(parents) > MAX_DIRECT_PARENTS and layer(node) not in DIRECT_PARENTS_UNLIMITED_LAYERS:
            many_parents.add(node["name"])
            if node["name"] not in ALLOWED_MANY_PARENTS:
                problems.append(
                    f"{node['name']}: reads {len(parents)} models, seeds or sources"
                    f" (limit {MAX_DIRECT_PARENTS})"
                )
    for allowed in sorted(ALLOWED_MANY_PARENTS - many_parents):
        problems.append(
            f"{allowed}: no longer reads more than {MAX_DIRECT_PARENTS}: remove it from ALLOWED_MANY_PARENTS"
        )
    rejoins = set()
    for child_id, child in nodes.items():
        child_parents = set(child["depends_on"]["nodes"])
        for parent_id in child_parents & set(nodes):
            parent = nodes[parent_id]
            if children[parent_id] != {child_id} or is_public_mart(parent):
                continue
            for grandparent in child_parents & set(parent["depends_on"]["nodes"]):
                rejoins.add((name[grandparent], parent["name"], child["name"]))
    for rejoin in sorted(rejoins - ALLOWED_REJOINS):
        problems.append(f"{rejoin[1]}: read only by {rejoin[2]}, which also reads its parent {rejoin[0]}")
    for rejoin in sorted(ALLOWED_REJOINS - rejoins):
        problems.append(f"{rejoin[1]}: no longer a rejoin into {rejoin[2]}: remove it from ALLOWED_REJOINS")
    for uid, node in sorted(nodes.items(), key=lambda item: item[1]["name"]):
        leaves = [c for c in children[uid] if not children[c] and not is_public_mart(nodes[c])]
        if len(leaves) > MAX_LEAF_FANOUT:
            problems.append(
                f"{node['name']}: {len(leaves)} leaf children that are not public marts"
                f" (limit {MAX_LEAF_FANOUT})"
            )
    return problems


def package_ref_problems(manifest: dict) -> list[str]:
    """Every ref the project writes names the package, ref('revenue_funnel', ...): installed into a
    host project, a one-argument ref resolves to the host's model of the same name first
    (docs/install_as_package.md). The one ref dbt itself writes, a generic test's reference to the
    model it is attached to, is exempt (macros/package/check_package_refs.sql covers it)."""
    problems = []
    resources = [
        *manifest["nodes"].values(),
        *manifest.get("exposures", {}).values(),
        *manifest.get("semantic_models", {}).values(),
        *manifest.get("unit_tests", {}).values(),
    ]
    names = {node["unique_id"]: node["name"] for node in manifest["nodes"].values()}
    for node in resources:
        if node.get("package_name") != "revenue_funnel":
            continue
        attached = names.get(node.get("attached_node") or "")
        for ref in node.get("refs", []):
            if ref.get("package") != "revenue_funnel" and ref["name"] != attached:
                problems.append(f"{node['name']}: ref('{ref['name']}') without the package name")
        for given in node.get("given", []):  # a unit test's inputs are ref() strings
            if given["input"].startswith("ref(") and not given["input"].startswith("ref('revenue_funnel', "):
                problems.append(f"{node['name']}: input {given['input']} without the package name")
    return sorted(problems)


# Postgres truncates longer identifiers, and dbt refuses to create such a relation: a unit
# test's fixture tables are named after the test, so its name must fit.
MAX_IDENTIFIER_LENGTH = 63


def unit_test_name_problems(manifest: dict) -> list[str]:
    """Every unit test's name fits a Postgres identifier (the goldens run them there)."""
    return sorted(
        f"{test['name']}: {len(test['name'])} characters, more than {MAX_IDENTIFIER_LENGTH}:"
        " Postgres cannot name its fixture relation"
        for test in manifest.get("unit_tests", {}).values()
        if test.get("package_name") == PACKAGE and len(test["name"]) > MAX_IDENTIFIER_LENGTH
    )


def seed_values(seed: str, column: str) -> set[str]:
    with (PROJECT_DIR / "seeds" / f"{seed}.csv").open(newline="") as handle:
        return {row[column] for row in csv.DictReader(handle)}


def known_stages() -> set[str]:
    return (
        seed_values("funnel_stages", "funnel_stage")
        | seed_values("funnel_factors", "kpi_stage")
        | seed_values("opportunity_stage_mapping", "funnel_stage")
        | NON_STAGE_STATES
    )


def is_stage_column(column: str | None, markers: tuple[str, ...] = STAGE_COLUMN_MARKERS) -> bool:
    return bool(column) and column not in STAGE_COLUMN_EXCLUDED and any(m in column for m in markers)


def stage_name_problems(manifest: dict, stages: set[str]) -> list[str]:
    problems = []
    for node in sorted(manifest["nodes"].values(), key=lambda n: n["unique_id"]):
        metadata = node.get("test_metadata") or {}
        if node["package_name"] != PACKAGE or metadata.get("name") != "accepted_values":
            continue
        column = node.get("column_name")
        values = metadata["kwargs"].get("values") or []
        if is_stage_column(column):
            problems.append(
                f"{node['name']}: lists stage names in YAML ({', '.join(map(str, values))}):"
                " test the column with accepted_stages, which reads the seeds"
            )
            continue
        if not is_stage_column(column, STAGE_NAMED_COLUMN_MARKERS):
            continue
        unknown = sorted(str(value) for value in values if str(value) not in stages)
        if unknown:
            problems.append(f"{node['name']}: stage names outside the seeds: {', '.join(unknown)}")
    return problems


def not_null_constraint_columns(manifest: dict) -> dict[str, set[str]]:
    """Model name -> its columns declared with a not_null contract constraint."""
    declared: dict[str, set[str]] = {}
    for node in models(manifest).values():
        if not has_contract_constraints_rule(node):
            continue
        for column in node["columns"].values():
            if any(constraint["type"] == "not_null" for constraint in column.get("constraints", [])):
                declared.setdefault(node["name"], set()).add(column["name"])
    return declared


def not_null_problems(manifest: dict, enforced_by_warehouse: dict[str, set[str]]) -> list[str]:
    """Models whose not_null constraints lack their fallback test or are not enforced, and plain
    not_null tests on their columns (a conditional one, with a `where`, stays a test)."""
    problems = []
    # on a warehouse that enforces the constraints the test is parsed disabled
    disabled = manifest.get("disabled", {}).values()
    candidates = [*manifest["nodes"].values(), *(node for nodes in disabled for node in nodes)]
    tested = {
        manifest["nodes"][node["attached_node"]]["name"]
        for node in candidates
        if (node.get("test_metadata") or {}).get("name") == "not_null_constraints_hold"
    }
    ruled_ids = {uid for uid, node in models(manifest).items() if has_contract_constraints_rule(node)}
    for model, columns in sorted(not_null_constraint_columns(manifest).items()):
        if model not in tested:
            problems.append(f"{model}: not_null constraints without the test not_null_constraints_hold")
        missing = sorted(columns - enforced_by_warehouse.get(model, set()))
        if missing:
            problems.append(f"{model}: not NOT NULL in the warehouse: {', '.join(missing)}")
    for node in manifest["nodes"].values():
        metadata = node.get("test_metadata") or {}
        if (
            metadata.get("name") == "not_null"
            and node["depends_on"]["nodes"][0] in ruled_ids
            and not node["config"].get("where")
        ):
            problems.append(f"{node['name']}: a not_null test on a model column: declare a constraint")
    return problems


def warehouse_not_null_columns(database: Path) -> dict[str, set[str]]:
    import duckdb

    with duckdb.connect(str(database), read_only=True) as con:
        rows = con.execute(
            "select table_name, column_name from information_schema.columns "
            "where table_schema = 'main' and is_nullable = 'NO'"
        ).fetchall()
    declared: dict[str, set[str]] = {}
    for table, column in rows:
        declared.setdefault(table, set()).add(column)
    return declared


@pytest.fixture(scope="module")
def manifest(project_manifest: dict) -> dict:
    return project_manifest


@pytest.mark.parametrize(
    "rule",
    [
        pytest.param(direction_problems, id="the_dag_runs_one_way"),
        pytest.param(access_problems, id="the_marts_are_exactly_the_public_models"),
        pytest.param(dag_shape_problems, id="the_dag_keeps_its_shape"),
        pytest.param(package_ref_problems, id="every_ref_names_the_package"),
        pytest.param(unit_test_name_problems, id="unit_test_names_fit_postgres"),
    ],
)
def test_structure_rule(manifest: dict, rule: Callable[[dict], list[str]]) -> None:
    problems = rule(manifest)
    assert not problems, "\n".join(problems)


def test_stage_names_come_from_the_seeds(manifest: dict) -> None:
    problems = stage_name_problems(manifest, known_stages())
    assert not problems, "\n".join(problems)


def test_never_null_columns_are_enforced_constraints(manifest: dict, demo_warehouse: Path) -> None:
    problems = not_null_problems(manifest, warehouse_not_null_columns(demo_warehouse))
    assert not problems, "\n".join(problems)


def test_the_checks_see_the_whole_project(manifest: dict) -> None:
    """Guards against rules that pass because they look at nothing."""
    by_layer: dict[str | None, int] = {}
    for node in models(manifest).values():
        by_layer[layer(node)] = by_layer.get(layer(node), 0) + 1
    assert by_layer.get("base", 0) >= 13 and by_layer.get("staging", 0) >= 13
    assert by_layer.get("intermediate", 0) >= 10 and by_layer.get("marts", 0) >= 30
    stage_tests = [
        node
        for node in manifest["nodes"].values()
        if (node.get("test_metadata") or {}).get("name") == "accepted_stages"
        and is_stage_column(node.get("column_name"))
    ]
    milestone_tests = [
        node
        for node in manifest["nodes"].values()
        if (node.get("test_metadata") or {}).get("name") == "accepted_values"
        and is_stage_column(node.get("column_name"), STAGE_NAMED_COLUMN_MARKERS)
    ]
    assert len(stage_tests) >= 15 and len(milestone_tests) >= 2
    declared = not_null_constraint_columns(manifest)
    assert len(declared) >= 20 and sum(len(columns) for columns in declared.values()) >= 150
    package_refs = [
        ref
        for node in manifest["nodes"].values()
        for ref in node.get("refs", [])
        if ref.get("package") == "revenue_funnel"
    ]
    assert len(package_refs) >= 300


def _model(manifest: dict, name: str) -> dict:
    return next(node for node in models(manifest).values() if node["name"] == name)


def test_each_rule_catches_a_break(manifest: dict) -> None:
    broken = copy.deepcopy(manifest)
    # an intermediate model that reads a mart
    _model(broken, "int_person_milestones")["depends_on"]["nodes"].append(
        _model(broken, "fct_funnel_periods")["unique_id"]
    )
    # a staging model that reads an intermediate one, a mart that reads a base view
    _model(broken, "stg_salesforce__leads")["depends_on"]["nodes"].append(
        _model(broken, "int_as_of_date")["unique_id"]
    )
    _model(broken, "dim_users")["depends_on"]["nodes"].append(
        _model(broken, "base_salesforce__user")["unique_id"]
    )
    assert direction_problems(broken) == [
        "dim_users: reads base_salesforce__user (base) past staging",
        "int_person_milestones: an intermediate model reads the mart fct_funnel_periods",
        "stg_salesforce__leads: a staging model reads int_as_of_date (intermediate), not only base",
    ]
    # a private re-grain read by one mart only, which also reads its parent; a model with one
    # parent too many; an allowed rejoin gone (the costs now read by a second model)
    stage_periods = _model(broken, "fct_kpi_stage_periods")["unique_id"]
    for reader in (
        "fct_department_kpi_periods",
        "fct_revenue_plan",
        "fct_kpi_gap_attribution",
        "fct_conversion_volatility",
    ):
        node = _model(broken, reader)
        node["depends_on"]["nodes"] = [p for p in node["depends_on"]["nodes"] if p != stage_periods]
    _model(broken, "fct_kpi_factor_periods")["depends_on"]["nodes"].append(
        _model(broken, "fct_funnel_periods")["unique_id"]
    )
    parents = _model(broken, "fct_funnel_leads")["depends_on"]["nodes"]
    parents.append(_model(broken, "int_opportunity_outcomes")["unique_id"])
    _model(broken, "fct_campaign_performance_rollups")["depends_on"]["nodes"].append(
        _model(broken, "fct_campaign_period_costs")["unique_id"]
    )
    assert dag_shape_problems(broken) == [
        f"fct_funnel_leads: reads {len(parents)} models, seeds or sources (limit {MAX_DIRECT_PARENTS})",
        # the costs, read by the roll-ups too, make the hand-offs a rejoin of their own
        "fct_campaign_period_handoffs: read only by fct_campaign_performance_rollups, which also reads"
        " its parent fct_campaign_period_costs",
        "fct_kpi_stage_periods: read only by fct_kpi_factor_periods, which also reads its parent"
        " fct_funnel_periods",
        "fct_campaign_period_costs: no longer a rejoin into fct_campaign_period_handoffs:"
        " remove it from ALLOWED_REJOINS",
    ]
    # a mart made protected, a private re-grain without its group, an intermediate made public
    _model(broken, "fct_stage_velocity")["access"] = "protected"
    _model(broken, "fct_targets_by_period")["group"] = None
    _model(broken, "int_as_of_date")["access"] = "public"
    assert access_problems(broken) == [
        "fct_stage_velocity: a mart that is neither public nor private to its group"
        " (the job would not publish it)",
        "fct_targets_by_period: a mart without a group (and so without an owner)",
        "int_as_of_date: access: public outside models/marts (the job would publish it)",
    ]
    # a stage column tested against a list in YAML, and a typo in a milestone list
    stage_test = next(
        node
        for node in broken["nodes"].values()
        if (node.get("test_metadata") or {}).get("name") == "accepted_stages"
        and node.get("column_name") == "kpi_stage"
    )
    stage_test["test_metadata"] = {"name": "accepted_values", "kwargs": {"values": ["lead", "won"]}}
    milestone_test = next(
        node
        for node in broken["nodes"].values()
        if (node.get("test_metadata") or {}).get("name") == "accepted_values"
        and node.get("column_name") == "milestone"
    )
    milestone_test["test_metadata"]["kwargs"]["values"] = ["handled", "apointment"]
    assert sorted(stage_name_problems(broken, known_stages())) == sorted(
        [
            f"{stage_test['name']}: lists stage names in YAML (lead, won):"
            " test the column with accepted_stages, which reads the seeds",
            f"{milestone_test['name']}: stage names outside the seeds: apointment",
        ]
    )
    # a model, a relationships test and an exposure that ref without the package name
    _model(broken, "fct_funnel_periods")["refs"].append({"name": "dim_calendar", "package": None})
    relationships = next(
        node
        for node in broken["nodes"].values()
        if (node.get("test_metadata") or {}).get("name") == "relationships"
        and node.get("attached_node") == _model(broken, "fct_funnel_periods")["unique_id"]
    )
    relationships["refs"] = [{**ref, "package": None} for ref in relationships["refs"]]
    exposure = next(iter(broken["exposures"].values()))
    exposure["refs"][0]["package"] = None
    unit_test = next(iter(broken["unit_tests"].values()))
    unit_test["given"][0]["input"] = "ref('stg_salesforce__leads')"
    assert package_ref_problems(broken) == sorted(
        [
            f"{unit_test['name']}: input ref('stg_salesforce__leads') without the package name",
            "fct_funnel_periods: ref('dim_calendar') without the package name",
            f"{relationships['name']}: ref('dim_calendar') without the package name",
            f"{exposure['name']}: ref('{exposure['refs'][0]['name']}') without the package name",
        ]
    )
    # a unit test named beyond Postgres's identifier length
    long_test = next(iter(broken["unit_tests"].values()))
    long_test["name"] = "a" * (MAX_IDENTIFIER_LENGTH + 1)
    assert unit_test_name_problems(broken) == [
        f"{long_test['name']}: 64 characters, more than 63: Postgres cannot name its fixture relation"
    ]
    # a model without its fallback test, a constraint the warehouse does not enforce, a plain test
    enforced = warehouse_not_null_columns_from(manifest)
    enforced["fct_funnel_periods"].discard("leads_count")
    fallback = next(
        uid
        for uid, nodes in broken["disabled"].items()
        if (nodes[0].get("test_metadata") or {}).get("name") == "not_null_constraints_hold"
        and nodes[0]["attached_node"] == _model(broken, "dim_users")["unique_id"]
    )
    del broken["disabled"][fallback]
    # plain tests on a mart, a staging and an intermediate model are reported; one on a base model is not
    for model, column in [
        ("fct_funnel_periods", "leads_count"),
        ("stg_salesforce__leads", "created_at"),
        ("int_person_stages", "reached_at"),
        ("base_salesforce__lead", "id"),
    ]:
        plain = copy.deepcopy(broken["nodes"][stage_test["unique_id"]])
        plain.update(name=f"not_null_{model}_{column}", config={**plain["config"], "where": None})
        plain["test_metadata"] = {"name": "not_null", "kwargs": {"column_name": column}}
        plain["depends_on"] = {"nodes": [_model(broken, model)["unique_id"]]}
        broken["nodes"][f"test.revenue_funnel.not_null_{model}_{column}.0"] = plain
    assert sorted(not_null_problems(broken, enforced)) == [
        "dim_users: not_null constraints without the test not_null_constraints_hold",
        "fct_funnel_periods: not NOT NULL in the warehouse: leads_count",
        "not_null_fct_funnel_periods_leads_count: a not_null test on a model column: declare a constraint",
        "not_null_int_person_stages_reached_at: a not_null test on a model column: declare a constraint",
        "not_null_stg_salesforce__leads_created_at: a not_null test on a model column: declare a constraint",
    ]


def warehouse_not_null_columns_from(manifest: dict) -> dict[str, set[str]]:
    """What a warehouse enforcing every declared constraint would report."""
    return {model: set(columns) for model, columns in not_null_constraint_columns(manifest).items()}


def test_accepted_stages_reads_each_list_from_the_seeds(demo_warehouse: Path, tmp_path: Path) -> None:
    """The generic test behind the one stage list: values outside each of its four lists fail,
    the states each list adds pass. A copy of the demo warehouse gets, per list:
    funnel - a misspelt stage; factor_chain - lost, an opportunity state that is not a KPI of the
    chain (the demo's chain holds every stage, handled included);
    opportunity - lost (accepted) and an unknown state; kpi - won_amount (accepted)."""
    database = tmp_path / "stages.duckdb"
    shutil.copyfile(demo_warehouse, database)
    with duckdb.connect(str(database)) as con:
        con.execute(
            "update fct_funnel_stage_events set funnel_stage = 'handeld' where person_id in"
            " (select min(person_id) from fct_funnel_stage_events where funnel_stage = 'handled')"
            " and funnel_stage = 'handled'"
        )
        con.execute(
            "update fct_kpi_controllability set kpi_stage = 'lost' where kpi_stage = 'appointment'"
        )
        appointments = con.execute(
            "select count(*) from fct_kpi_controllability where kpi_stage = 'lost'"
        ).fetchone()[0]
        con.execute(
            "update int_opportunity_stage_visits set funnel_stage = case when opportunity_id ="
            " (select min(opportunity_id) from int_opportunity_stage_visits where funnel_stage = 'won')"
            " then 'closed' else 'lost' end"
            " where funnel_stage = 'won'"
        )
        closed = con.execute(
            "select count(*) from int_opportunity_stage_visits where funnel_stage = 'closed'"
        ).fetchone()[0]
        con.execute("update fct_department_kpis set kpi_stage = 'won_amount' where kpi_stage = 'pipeline'")
    result = run_dbt(["test", "--select", "test_name:accepted_stages"], database, tmp_path)
    results = json.loads((tmp_path / "target" / "run_results.json").read_text())["results"]
    failed = {
        r["unique_id"].split(".")[2]: r["failures"] for r in results if r["status"] in {"fail", "error"}
    }
    assert appointments > 0 and closed > 0
    assert len(results) >= 15, result.output
    assert failed == {
        "accepted_stages_fct_funnel_stage_events_funnel_stage__funnel": 1,
        "accepted_stages_fct_kpi_controllability_kpi_stage__factor_chain": 1,
        "accepted_stages_int_opportunity_stage_visits_funnel_stage__opportunity": 1,
    }, result.output

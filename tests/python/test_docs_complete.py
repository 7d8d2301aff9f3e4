"""Documentation completeness: every resource a reader meets in the dbt docs has a description.

Checked on the manifest of a fresh `dbt parse` (written to a temporary target path) and on the
columns the models, seeds and snapshots really have in a freshly built warehouse:
- every model, seed and snapshot has a description, and so has every one of its columns - both
  the columns listed in YAML and the columns of the built relation that YAML does not list
  (base views and snapshots included: they pass columns through, each described once and
  reused by YAML alias or doc block);
- every macro of the project (macros/_macros.yml), every source and source table, every exposure;
- the docs site's landing page (the `__overview__` doc block, models/overview.md) links every
  public model and every audit model, and every link on it leads to a resource that exists.

The checkers are tested against themselves: removing any single description, in the manifest or
in a YAML file of a copy of the project, or one link from the landing page, makes them report
exactly that.
"""

from __future__ import annotations

import copy
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import duckdb
import pytest
import yaml
from dbt_runner import DBT, PROJECT_DIR, run_dbt

PACKAGE = "revenue_funnel"
# Resources with a relation in the warehouse: their every column must be described.
TABLE_RESOURCES = ("model", "seed", "snapshot")
OVERVIEW = "doc.revenue_funnel.__overview__"
# A dbt docs link: [text](#!/<resource type>/<unique id>)
DOCS_LINK = re.compile(r"\]\(#!/(\w+)/([\w.]+)\)")
# What a copy of the project needs to parse (no target/, logs/, build/ or warehouse files).
PROJECT_CONTENT = (
    "dbt_project.yml",
    "profiles.yml",
    "packages.yml",
    "models",
    "macros",
    "seeds",
    "tests",
    "analyses",
    "snapshots",
    "docs",
)


def _blank(text: str | None) -> bool:
    return not (text or "").strip()


def undocumented(manifest: dict, relation_columns: dict[str, list[str]] | None = None) -> list[str]:
    """Every missing description, one line each. relation_columns maps the unique_id of a model,
    seed or snapshot to the columns of its built relation, to catch columns YAML does not list."""
    problems: list[str] = []
    for unique_id, node in sorted(manifest["nodes"].items()):
        kind = node["resource_type"]
        if node["package_name"] != PACKAGE or kind not in TABLE_RESOURCES:
            continue
        if _blank(node["description"]):
            problems.append(f"{kind} {node['name']} ({node['original_file_path']}): no description")
        for name, column in node["columns"].items():
            if _blank(column["description"]):
                problems.append(f"{kind} {node['name']} column {name}: no description")
        documented = {name.lower() for name in node["columns"]}
        for name in (relation_columns or {}).get(unique_id, []):
            if name.lower() not in documented:
                problems.append(f"{kind} {node['name']} column {name}: not in the {kind}'s YAML")
    for macro in sorted(manifest["macros"].values(), key=lambda m: m["unique_id"]):
        if macro["package_name"] == PACKAGE and _blank(macro["description"]):
            problems.append(
                f"macro {macro['name']} ({macro['original_file_path']}): no description in macros/_macros.yml"
            )
    for source in sorted(manifest["sources"].values(), key=lambda s: s["unique_id"]):
        if source["package_name"] != PACKAGE:
            continue
        if _blank(source.get("source_description")):
            problems.append(f"source {source['source_name']}: no description")
        if _blank(source["description"]):
            problems.append(f"source table {source['source_name']}.{source['name']}: no description")
    for exposure in sorted(manifest.get("exposures", {}).values(), key=lambda e: e["unique_id"]):
        if exposure["package_name"] == PACKAGE and _blank(exposure["description"]):
            problems.append(f"exposure {exposure['name']}: no description")
    return problems


def _has_relation(node: dict) -> bool:
    return (
        node["resource_type"] in TABLE_RESOURCES
        and node["package_name"] == PACKAGE
        and node["config"].get("materialized") != "ephemeral"
    )


def _relation_columns(manifest: dict, database: Path) -> dict[str, list[str]]:
    """Columns of the built relation of every model, seed and snapshot of the project."""
    columns: dict[str, list[str]] = {}
    with duckdb.connect(str(database), read_only=True) as con:
        for unique_id, node in manifest["nodes"].items():
            if not _has_relation(node):
                continue
            rows = con.execute(
                "select column_name from information_schema.columns "
                "where table_schema = ? and table_name = ? order by ordinal_position",
                [node["schema"], node["alias"]],
            ).fetchall()
            columns[unique_id] = [row[0] for row in rows]
    return columns


@pytest.fixture(scope="module")
def manifest(project_manifest: dict) -> dict:
    return project_manifest


@pytest.fixture(scope="module")
def relation_columns(
    manifest: dict, demo_warehouse: Path, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, list[str]]:
    """Read from a copy of the demo warehouse with the snapshots built too (the shared one has
    none, and stays that way)."""
    work = tmp_path_factory.mktemp("docs_warehouse")
    database = work / demo_warehouse.name
    shutil.copy2(demo_warehouse, database)
    result = run_dbt(["snapshot"], database, work)
    assert result.returncode == 0, result.output[-4000:]
    return _relation_columns(manifest, database)


def test_every_resource_is_documented(manifest: dict, relation_columns: dict[str, list[str]]) -> None:
    problems = undocumented(manifest, relation_columns)
    assert not problems, f"{len(problems)} undocumented resources:\n" + "\n".join(problems)


def test_the_check_covers_the_whole_project(manifest: dict, relation_columns: dict[str, list[str]]) -> None:
    """Guards against a checker that passes because it looks at nothing."""
    models = [n for n in manifest["nodes"].values() if n["resource_type"] == "model"]
    layers = {n["original_file_path"].split("/")[1] for n in models}
    assert {"staging", "intermediate", "marts", "audit"} <= layers
    mart_columns = sum(
        len(n["columns"]) for n in models if n["original_file_path"].startswith("models/marts/")
    )
    assert mart_columns > 200, mart_columns
    built = [uid for uid, columns in relation_columns.items() if columns]
    checked = [n for n in manifest["nodes"].values() if _has_relation(n)]
    missing = sorted(n["name"] for n in checked if not relation_columns.get(n["unique_id"]))
    assert not missing, f"resources without a relation in the test warehouse: {missing}"
    assert len(built) == len(relation_columns) > 90
    assert {uid.split(".")[0] for uid in built} == set(TABLE_RESOURCES)
    base_columns = sum(len(columns) for uid, columns in relation_columns.items() if ".base_" in uid)
    snapshot_columns = sum(len(columns) for uid, columns in relation_columns.items() if ".snap_" in uid)
    assert base_columns > 200 and snapshot_columns > 50, (base_columns, snapshot_columns)
    macros = [m for m in manifest["macros"].values() if m["package_name"] == PACKAGE]
    assert {"safe_divide", "validated_var", "test_primary_key"} <= {m["name"] for m in macros}
    assert len([n for n in manifest["nodes"].values() if n["resource_type"] == "seed"]) >= 10
    assert len(manifest["sources"]) >= 13
    assert len(manifest.get("exposures", {})) >= 2


def _first(items: dict, **match: str) -> dict:
    for item in items.values():
        if all(item.get(key) == value for key, value in match.items()):
            return item
    raise AssertionError(f"no item with {match}")


def test_removing_any_description_is_reported(manifest: dict, relation_columns: dict[str, list[str]]) -> None:
    broken = copy.deepcopy(manifest)
    nodes = broken["nodes"]
    mart = nodes["model.revenue_funnel.fct_funnel_periods"]
    mart["description"] = ""
    mart["columns"]["leads_count"]["description"] = "  "
    intermediate = nodes["model.revenue_funnel.int_as_of_date"]
    intermediate["columns"]["as_of_date"]["description"] = ""
    del intermediate["columns"]["latest_load_at"]  # the built relation still has it
    staging = nodes["model.revenue_funnel.stg_salesforce__leads"]
    staging["description"] = ""
    del staging["columns"]["lead_status"]
    nodes["model.revenue_funnel.base_salesforce__lead"]["columns"]["status"]["description"] = ""
    snapshot = nodes["snapshot.revenue_funnel.snap_salesforce__leads"]
    snapshot["description"] = ""
    snapshot["columns"]["dbt_scd_id"]["description"] = ""
    del snapshot["columns"]["lead_rating"]
    seed = nodes["seed.revenue_funnel.funnel_stages"]
    seed["description"] = ""
    seed["columns"]["label_ja"]["description"] = ""
    del seed["columns"]["label_en"]
    _first(broken["macros"], unique_id="macro.revenue_funnel.safe_ln")["description"] = ""
    _first(broken["sources"], name="lead")["description"] = ""
    _first(broken["exposures"], name="revenue_funnel_dashboard")["description"] = ""
    # Relative to what is already missing, so this self-test holds while the project is incomplete.
    already_missing = set(undocumented(manifest, relation_columns))
    assert sorted(set(undocumented(broken, relation_columns)) - already_missing) == sorted(
        [
            "model fct_funnel_periods (models/marts/funnel/fct_funnel_periods.sql): no description",
            "model fct_funnel_periods column leads_count: no description",
            "model int_as_of_date column as_of_date: no description",
            "model int_as_of_date column latest_load_at: not in the model's YAML",
            "model stg_salesforce__leads (models/staging/salesforce/stg_salesforce__leads.sql): "
            "no description",
            "model stg_salesforce__leads column lead_status: not in the model's YAML",
            "model base_salesforce__lead column status: no description",
            "snapshot snap_salesforce__leads (snapshots/_salesforce__snapshots.yml): no description",
            "snapshot snap_salesforce__leads column dbt_scd_id: no description",
            "snapshot snap_salesforce__leads column lead_rating: not in the snapshot's YAML",
            "seed funnel_stages (seeds/funnel_stages.csv): no description",
            "seed funnel_stages column label_ja: no description",
            "seed funnel_stages column label_en: not in the seed's YAML",
            "macro safe_ln (macros/cross_db/safe_ln.sql): no description in macros/_macros.yml",
            "source table revenue_funnel_salesforce.lead: no description",
            "exposure revenue_funnel_dashboard: no description",
        ]
    )


def _copy_project(destination: Path) -> Path:
    destination.mkdir(parents=True)
    for name in PROJECT_CONTENT:
        source = PROJECT_DIR / name
        if source.is_dir():
            shutil.copytree(source, destination / name, ignore=shutil.ignore_patterns("__pycache__"))
        elif source.is_file():
            shutil.copy2(source, destination / name)
    return destination


def _parse(project: Path, database: Path, work: Path) -> dict:
    env = {
        **os.environ,
        "DBT_DUCKDB_PATH": str(database),
        "DBT_PROFILES_DIR": str(project),
        "DO_NOT_TRACK": "1",
    }
    command = [
        DBT,
        "parse",
        "--project-dir",
        str(project),
        "--target-path",
        str(work / "target"),
        "--log-path",
        str(work / "logs"),
        "--no-use-colors",
        "--no-partial-parse",
    ]
    completed = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    assert completed.returncode == 0, (completed.stdout + completed.stderr)[-4000:]
    return json.loads((work / "target" / "manifest.json").read_text())


def test_a_description_removed_from_yaml_fails_the_check(
    demo_warehouse: Path, manifest: dict, relation_columns: dict[str, list[str]], tmp_path: Path
) -> None:
    """End to end: delete descriptions from the YAML of a copy of the project, parse it, check."""
    project = _copy_project(tmp_path / "project")
    kpis_yml = project / "models" / "marts" / "controllability" / "fct_department_kpis.yml"
    kpis = yaml.safe_load(kpis_yml.read_text())
    model = kpis["models"][0]
    del model["description"]
    next(c for c in model["columns"] if c["name"] == "pacing_rate").pop("description")
    kpis_yml.write_text(yaml.safe_dump(kpis, allow_unicode=True, sort_keys=False))
    macros_yml = project / "macros" / "_macros.yml"
    macros = yaml.safe_load(macros_yml.read_text())
    macros["macros"] = [m for m in macros["macros"] if m["name"] != "days_between"]
    macros_yml.write_text(yaml.safe_dump(macros, allow_unicode=True, sort_keys=False))
    # the base views are documented beside the raw contract, by YAML alias of its columns
    sources_yml = project / "models" / "staging" / "salesforce" / "_salesforce__sources.yml"
    sources = yaml.safe_load(sources_yml.read_text())
    base_lead = next(m for m in sources["models"] if m["name"] == "base_salesforce__lead")
    base_lead["columns"] = [c for c in base_lead["columns"] if c["name"] != "rating"]
    sources_yml.write_text(yaml.safe_dump(sources, allow_unicode=True, sort_keys=False))
    snapshots_yml = project / "snapshots" / "_salesforce__snapshots.yml"
    snapshots = yaml.safe_load(snapshots_yml.read_text())
    opportunities = next(s for s in snapshots["snapshots"] if s["name"] == "snap_salesforce__opportunities")
    opportunities["columns"] = [c for c in opportunities["columns"] if c["name"] != "stage_name"]
    snapshots_yml.write_text(yaml.safe_dump(snapshots, allow_unicode=True, sort_keys=False))

    problems = set(undocumented(_parse(project, demo_warehouse, tmp_path / "work"), relation_columns))

    assert sorted(problems - set(undocumented(manifest, relation_columns))) == [
        "macro days_between (macros/cross_db/days_between.sql): no description in macros/_macros.yml",
        "model base_salesforce__lead column rating: not in the model's YAML",
        "model fct_department_kpis (models/marts/controllability/fct_department_kpis.sql): no description",
        "model fct_department_kpis column pacing_rate: no description",
        "snapshot snap_salesforce__opportunities column stage_name: not in the snapshot's YAML",
    ]


def _overview_links(manifest: dict) -> set[tuple[str, str]]:
    """(resource type, unique id) of every dbt docs link on the landing page."""
    return set(DOCS_LINK.findall(manifest["docs"][OVERVIEW]["block_contents"]))


def unlinked_from_overview(manifest: dict) -> list[str]:
    """The public models and audit models the landing page does not link to."""
    linked = {unique_id for _, unique_id in _overview_links(manifest)}
    return sorted(
        node["name"]
        for unique_id, node in manifest["nodes"].items()
        if node["resource_type"] == "model"
        and node["package_name"] == PACKAGE
        and (node["access"] == "public" or node["name"].startswith("audit_"))
        and unique_id not in linked
    )


def dead_overview_links(manifest: dict) -> list[str]:
    """Links on the landing page to a resource that does not exist (or not of that type)."""
    resources = {**manifest["nodes"], **manifest["sources"], **manifest.get("exposures", {})}
    return sorted(
        f"#!/{kind}/{unique_id}"
        for kind, unique_id in _overview_links(manifest)
        if resources.get(unique_id, {}).get("resource_type") != kind
    )


def test_the_overview_links_every_public_and_audit_model(manifest: dict) -> None:
    public = [
        n for n in manifest["nodes"].values() if n.get("access") == "public" and n["package_name"] == PACKAGE
    ]
    assert len(public) >= 24, len(public)  # the check looks at the real interface
    missing = unlinked_from_overview(manifest)
    assert not missing, (
        "models/overview.md does not link these public or audit models (introduce each with its "
        f"group, as [name](#!/model/model.{PACKAGE}.<name>)): {missing}"
    )


def test_the_overview_links_only_existing_resources(manifest: dict) -> None:
    dead = dead_overview_links(manifest)
    assert not dead, f"models/overview.md links resources the project does not have: {dead}"


def test_the_overview_checks_report_a_missing_or_dead_link(manifest: dict) -> None:
    """Proves the two checks above can fail: two links removed (a public mart, an audit model),
    two made up."""
    assert len(_overview_links(manifest)) > 30
    broken = copy.deepcopy(manifest)
    page = broken["docs"][OVERVIEW]
    for name in ("fct_funnel_periods", "audit_funnel_exclusions"):
        link = f"[{name}](#!/model/model.{PACKAGE}.{name})"
        assert link in page["block_contents"]
        page["block_contents"] = page["block_contents"].replace(link, f"`{name}`")
    page["block_contents"] += (
        f"\n[gone](#!/model/model.{PACKAGE}.fct_funnel_weekly)"
        f" [wrong type](#!/seed/model.{PACKAGE}.dim_users)"
    )
    assert unlinked_from_overview(broken) == ["audit_funnel_exclusions", "fct_funnel_periods"]
    assert dead_overview_links(broken) == [
        f"#!/model/model.{PACKAGE}.fct_funnel_weekly",
        f"#!/seed/model.{PACKAGE}.dim_users",
    ]


def test_every_fault_case_is_documented() -> None:
    """The fault-injection tables of docs/fault_injection.md list exactly the cases the suite runs."""
    import test_fault_injection

    # a test parametrized by case (for_each_case) is documented as test_<case> for each case
    tests = {
        documented
        for name, test in vars(test_fault_injection).items()
        if name.startswith("test_") and callable(test)
        for documented in getattr(test, "documented_as", (name,))
    }
    guide = (PROJECT_DIR / "docs" / "fault_injection.md").read_text()
    section = guide.split("\n## The cases", 1)[1].split("\n## ", 1)[0]
    documented = re.findall(r"^\| `(test_\w+)`", section, flags=re.MULTILINE)
    assert len(tests) >= 25
    assert len(documented) == len(set(documented)), "a case is listed twice"
    assert set(documented) == tests

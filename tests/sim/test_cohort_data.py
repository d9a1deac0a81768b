"""The past cohort for the pipeline backtest: sim/data/cohort_ree_2012.csv.

Cohort: every company of Bloomberg's Rare Earth Mineral Resources Index at 2010-12-21 (13
companies with a NI 43-101/JORC rare-earth resource, as published by Technology Metals
Research on 2011-01-10, source co-tmr-bloomberg-remri-2010), one row per resource-bearing
project: 14 projects (Great Western Minerals has two). Outcomes as of 2025 from company
reports and press (outcome_* columns). Producers: Mountain Pass (2012-08, Project Phoenix)
and Mount Weld/Lynas Malaysia (first oxide 2013-02); both within ten years of 2012, and
no other project produced commercially by 2025 (docs/pipeline-cohort.md).
"""

from __future__ import annotations

import csv
import re
from importlib import resources
from pathlib import Path

COLUMNS = [
    "project_id",
    "name",
    "sponsor",
    "host_iso3",
    "stage",
    "cohort_phase",
    "planned_start",
    "planned_capacity_t",
    "first_production",
    "status",
    "list_source_id",
    "outcome_source_url",
    "outcome_source_title",
    "outcome_publisher",
    "outcome_published",
    "note",
]
PHASES = {"", "exploration", "feasibility", "financing", "construction", "ramp_up", "producing"}
STATUSES = {"producing", "care_and_maintenance", "development", "dormant", "abandoned"}
# counts found (see module docstring): 14 projects, 2 producers by end 2022 and by 2025
N_PROJECTS = 14
PRODUCERS = {"mountain-pass", "mount-weld"}


def _cohort_path() -> Path:
    return Path(str(resources.files("critmin.sim") / "data" / "cohort_ree_2012.csv"))


def _rows() -> list[dict[str, str]]:
    with _cohort_path().open(newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        assert reader.fieldnames == COLUMNS
        return list(reader)


def _source_ids() -> set[str]:
    folder = Path(str(resources.files("critmin.data") / "reference" / "sources"))
    ids: set[str] = set()
    for path in sorted(folder.glob("*.csv")):
        with path.open(newline="", encoding="utf-8") as f:
            ids.update(r["source_id"] for r in csv.DictReader(f))
    return ids


def _year(value: str) -> int:
    m = re.fullmatch(r"(\d{4})(-(0[1-9]|1[0-2]))?", value)
    assert m, value
    return int(m.group(1))


def test_every_row_names_its_outcome_source_and_list() -> None:
    known = _source_ids()
    for r in _rows():
        assert r["outcome_source_url"].startswith(("http://", "https://")), r["project_id"]
        assert r["outcome_source_title"] and r["outcome_publisher"], r["project_id"]
        assert r["list_source_id"] in known, r["list_source_id"]


def test_fields_use_the_vocabulary() -> None:
    rows = _rows()
    ids = [r["project_id"] for r in rows]
    assert len(set(ids)) == len(ids)
    for r in rows:
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", r["project_id"]), r["project_id"]
        assert re.fullmatch(r"[A-Z]{3}", r["host_iso3"]), r["host_iso3"]
        assert r["stage"] in {"mine", "refine"}
        assert r["cohort_phase"] in PHASES
        assert r["status"] in STATUSES
        # an empty phase must be explained in the note
        if not r["cohort_phase"]:
            assert "phase unknown" in r["note"], r["project_id"]
        if r["planned_start"]:
            assert 2010 <= _year(r["planned_start"]) <= 2030
        if r["planned_capacity_t"]:
            assert float(r["planned_capacity_t"]) > 0


def test_first_production_is_empty_or_a_year_from_1950() -> None:
    for r in _rows():
        if r["first_production"]:
            assert _year(r["first_production"]) >= 1950, r["project_id"]
            # a producer is producing or paused, never still 'development'
            assert r["status"] in {"producing", "care_and_maintenance"}, r["project_id"]


def test_counts_and_producers() -> None:
    rows = _rows()
    assert len(rows) == N_PROJECTS
    producers = {r["project_id"] for r in rows if r["first_production"]}
    assert producers == PRODUCERS
    by_2022 = {
        r["project_id"]
        for r in rows
        if r["first_production"] and _year(r["first_production"]) <= 2022
    }
    assert by_2022 == PRODUCERS
    # observed ten-year share of the cohort: 2 of 14
    assert round(len(by_2022) / len(rows), 4) == 0.1429

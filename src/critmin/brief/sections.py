"""The briefing's sections, in order: each a short finding with numbers from the Python API,
then charts and tables. A section whose data are missing says so plainly (the builder turns a
failed section into a note) instead of disappearing.
"""

from __future__ import annotations

from collections.abc import Callable

from critmin.brief.config import BriefConfig
from critmin.brief.money_sections import ledger_section, pipeline_section
from critmin.brief.section import Section, esc
from critmin.brief.simulation_sections import disruption_section, floor_section
from critmin.brief.supply_sections import controls_section, supply_section

__all__ = ["SECTIONS", "Section", "esc"]

SECTIONS: list[tuple[str, Callable[[BriefConfig], Section]]] = [
    ("Who controls supply", supply_section),
    ("Export controls", controls_section),
    ("What states committed", ledger_section),
    ("What a price floor costs", floor_section),
    ("What a cutoff does", disruption_section),
    ("Will it deliver", pipeline_section),
]

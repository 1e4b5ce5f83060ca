"""What a table reader hands back: its figures (by key, in the order read) and its findings.
A figure is made from the cell it was read from, with flags saying how (derived, repaired,
approximate, converted); a number too large to be a real figure is left out with a finding.

    out = Reading(grid)
    out.figure("active.permit.decisions", Taken(value, cell), "件", "active")
    out.finding(Code.INCOMPLETE_ROW, "Row 行政许可 has 1 of 3 values; left out.", keys, cell)
"""

from __future__ import annotations

from dataclasses import dataclass, field

from app.parsing.findings import Code, finding
from app.parsing.grid import Grid, Taken
from app.parsing.layout import Cell
from app.parsing.model import Figure, Finding
from app.parsing.tolerances import TOLERANCES


@dataclass(slots=True)
class Reading:
    grid: Grid
    figures: dict[str, Figure] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)

    def figure(self, key: str, taken: Taken | None, unit: str, section: str, *, value: int | float | None = None,
               flags: tuple[str, ...] = (), cell: Cell | None = None) -> None:
        """The figure `key` from the value `taken` (or, with taken None, the `value` given,
        standing at `cell`). A key read already keeps its first figure."""
        figures = self.figures
        if key in figures:
            return
        note = None
        if taken is not None:
            cell = taken.cell
            if taken.value is None:
                value, flags = 0, flags + ("derived",)
            else:
                v = taken.value
                value = v.value
                note = v.note
                if v.approximate:
                    flags += ("approximate",)
                if v.converted:
                    flags += ("converted",)
            if taken.inferred:
                flags += ("inferred",)
            elif taken.repaired:
                flags += ("repaired",)
        assert value is not None
        if abs(value) >= TOLERANCES.max_figure:
            self.finding(Code.IMPLAUSIBLE_VALUE, f"{key}: {value} is too large to be a real figure; left out.",
                         (key,), cell)
            return
        figures[key] = Figure(key, value, unit, section, self.grid.source(cell) if cell is not None else None, note, flags)

    def finding(self, code: Code, message: str, keys: tuple[str, ...] = (), cell: Cell | None = None) -> None:
        self.findings.append(finding(code, message, keys, cell.line + 1 if cell is not None else None))

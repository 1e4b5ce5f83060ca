"""Ruling lines → the grids they draw: rules snapped to shared positions and joined, the
rules that touch one grid, and its cells, the regions of the atomic grid no rule separates
(a merged cell spans them).

Worked example (section 二 of huaian-2024.pdf, page 3): seven horizontal and up to four
vertical rules make a grid; its first row has one cell across all columns (no vertical rule
under 第二十条 第（一）项).

Pure, like app/parsing/geometry.py (whose `Rule` and `Char` it takes).
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field

from app.parsing.geometry import TOLERANCES, Box, Char, Rule, Tolerances


def _cluster(values: list[float], tol: float) -> list[float]:
    """Sorted values → the centres of runs no wider than `tol` between neighbours."""
    out: list[list[float]] = []
    for v in sorted(values):
        if out and v - out[-1][-1] <= tol:
            out[-1].append(v)
        else:
            out.append([v])
    return [sum(run) / len(run) for run in out]


def merge_rules(rules: list[Rule], tol: Tolerances = TOLERANCES) -> list[Rule]:
    """Snap rules of one direction to shared positions and join the collinear pieces."""
    out: list[Rule] = []
    for horizontal in (True, False):
        group = [r for r in rules if r.horizontal == horizontal and r.b - r.a >= tol.min_rule]
        if not group:
            continue
        centres = _cluster([r.pos for r in group], tol.snap)
        by_pos: dict[int, list[tuple[float, float]]] = {}
        for r in group:
            by_pos.setdefault(_nearest(centres, r.pos), []).append((r.a, r.b))
        for i, spans in by_pos.items():
            spans.sort()
            a, b = spans[0]
            for s, e in spans[1:]:
                if s <= b + tol.join:
                    b = max(b, e)
                else:
                    out.append(Rule(horizontal, centres[i], a, b))
                    a, b = s, e
            out.append(Rule(horizontal, centres[i], a, b))
    return out


def _nearest(sorted_values: list[float], v: float) -> int:
    i = bisect.bisect_left(sorted_values, v)
    if i == 0:
        return 0
    if i == len(sorted_values):
        return i - 1
    return i if sorted_values[i] - v < v - sorted_values[i - 1] else i - 1


@dataclass(slots=True)
class Grid:
    """A table's ruling: row positions `ys`, column positions `xs`, and its cells as
    (row, col, last row, last col) of the atomic grid, each with the glyphs inside."""

    xs: list[float]
    ys: list[float]
    cells: list[tuple[int, int, int, int]]
    owner: list[list[int]]  # atomic (row, col) → index into cells, -1 outside every cell
    chars: list[list[Char]] = field(default_factory=list)

    @property
    def box(self) -> Box:
        return self.xs[0], self.ys[0], self.xs[-1], self.ys[-1]

    def cell_box(self, i: int) -> Box:
        r0, c0, r1, c1 = self.cells[i]
        return self.xs[c0], self.ys[r0], self.xs[c1 + 1], self.ys[r1 + 1]

    def locate(self, x: float, y: float) -> int:
        """The cell holding the point, or -1."""
        c = bisect.bisect_right(self.xs, x) - 1
        r = bisect.bisect_right(self.ys, y) - 1
        if 0 <= r < len(self.ys) - 1 and 0 <= c < len(self.xs) - 1:
            return self.owner[r][c]
        return -1


def rules_to_grids(rules: list[Rule], tol: Tolerances = TOLERANCES) -> list[Grid]:
    """Merged rules → the grids they draw: rules that touch form one grid; a grid needs two
    rules each way and more than one cell (a frame around text is no table)."""
    hs = [r for r in rules if r.horizontal]
    vs = [r for r in rules if not r.horizontal]
    parent = list(range(len(hs) + len(vs)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    t = tol.snap
    for i, h in enumerate(hs):
        for j, v in enumerate(vs):
            if v.a - t <= h.pos <= v.b + t and h.a - t <= v.pos <= h.b + t:
                a, b = find(i), find(len(hs) + j)
                if a != b:
                    parent[a] = b
    groups: dict[int, tuple[list[Rule], list[Rule]]] = {}
    for i, h in enumerate(hs):
        groups.setdefault(find(i), ([], []))[0].append(h)
    for j, v in enumerate(vs):
        groups.setdefault(find(len(hs) + j), ([], []))[1].append(v)
    grids = []
    for gh, gv in groups.values():
        if len(gh) >= 2 and len(gv) >= 2:
            grid = _grid(gh, gv, tol)
            if grid is not None and len(grid.cells) > 1:
                grids.append(grid)
    grids.sort(key=lambda g: (g.ys[0], g.xs[0]))
    return grids


def _grid(hs: list[Rule], vs: list[Rule], tol: Tolerances) -> Grid | None:
    ys = _cluster([h.pos for h in hs], tol.snap)
    xs = _cluster([v.pos for v in vs], tol.snap)
    rows, cols = len(ys) - 1, len(xs) - 1
    if rows < 1 or cols < 1:
        return None
    h_at: dict[int, list[tuple[float, float]]] = {}
    for h in hs:
        h_at.setdefault(_nearest(ys, h.pos), []).append((h.a, h.b))
    v_at: dict[int, list[tuple[float, float]]] = {}
    for v in vs:
        v_at.setdefault(_nearest(xs, v.pos), []).append((v.a, v.b))
    c = tol.cover

    def covered(spans: list[tuple[float, float]] | None, a: float, b: float) -> bool:
        return spans is not None and any(s <= a + c and e >= b - c for s, e in spans)

    # walls: right[r][k] is the rule at xs[k] beside row r; below[k][col] the rule at ys[k] under col
    right = [[covered(v_at.get(k), ys[r], ys[r + 1]) for k in range(cols + 1)] for r in range(rows)]
    below = [[covered(h_at.get(k), xs[col], xs[col + 1]) for col in range(cols)] for k in range(rows + 1)]
    parent = list(range(rows * cols))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for r in range(rows):
        for col in range(cols):
            i = r * cols + col
            if col + 1 < cols and not right[r][col + 1]:
                parent[find(i)] = find(i + 1)
            if r + 1 < rows and not below[r + 1][col]:
                parent[find(i)] = find(i + cols)
    regions: dict[int, list[int]] = {}
    for i in range(rows * cols):
        regions.setdefault(find(i), []).append(i)
    cells: list[tuple[int, int, int, int]] = []
    owner = [[-1] * cols for _ in range(rows)]
    for members in regions.values():
        rs = [i // cols for i in members]
        cs = [i % cols for i in members]
        # open to the outside (a side on the grid's edge without a rule): no cell
        open_ = any((i % cols == 0 and not right[i // cols][0]) or (i % cols == cols - 1 and not right[i // cols][cols])
                    or (i // cols == 0 and not below[0][i % cols]) or (i // cols == rows - 1 and not below[rows][i % cols])
                    for i in members)
        if open_:
            continue
        index = len(cells)
        cells.append((min(rs), min(cs), max(rs), max(cs)))
        for i in members:
            owner[i // cols][i % cols] = index
    if not cells:
        return None
    return Grid(xs, ys, cells, owner)


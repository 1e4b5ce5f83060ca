"""Keyset pagination in any of a list's sort orders: a sort order as data (SortKey, Sort,
`sorts`), the opaque cursor a client gets back, one page of a statement (`page`) and every row
in short-lived batches (`batches`). No HTTP."""

from __future__ import annotations

import base64
import binascii
import math
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import orjson
from sqlalchemy import BigInteger, ColumnElement, Select, and_, false, func, or_
from sqlmodel import Session, select

from app.services.filters import QueryError



@dataclass(frozen=True)
class SortKey:
    """One column of a sort order: its label in the select, its expression, direction,
    whether it may be NULL (NULLs sort last either way), and its type in a cursor."""

    name: str
    expr: Any
    desc: bool = False
    nullable: bool = False
    kind: type = int

    def cursor_value(self, value: Any) -> Any:
        """A value read from a cursor, as the query takes it; ValueError unless it is one
        this column can hold: an int (not a bool) within the column's integer range, a
        finite number, an ISO date, a string no longer than the column (no NUL). A cursor
        is the client's to keep and so to alter: what reaches the database is checked here,
        before any answer starts, and never fails there (an int past 2^63 did on SQLite)."""
        if value is None:
            if not self.nullable:
                raise ValueError("null")
            return None
        if self.kind is int:
            low, high = _int_range(self.expr)
            if type(value) is not int or not low <= value <= high:
                raise ValueError("int")
            return value
        if self.kind is float:
            if type(value) not in (int, float) or not math.isfinite(value) or abs(value) > _FLOAT_MAX:
                raise ValueError("float")
            return float(value)
        if self.kind is date:
            if type(value) is not str or not _ISO_DATE.fullmatch(value):
                raise ValueError("date")
            return date.fromisoformat(value)
        if self.kind is str:
            if type(value) is not str or len(value) > _str_length(self.expr) or "\x00" in value:
                raise ValueError("str")
            return value
        raise ValueError(self.kind)


_INT32 = (-(2**31), 2**31 - 1)
_INT64 = (-(2**63), 2**63 - 1)
_FLOAT_MAX = 1e300  # a float column's values in a cursor; beyond any figure (app/parsing: MAX_FIGURE)
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_STR_DEFAULT = 200  # a string key with no column behind it (a list sorted in Python)


def _int_range(expr: Any) -> tuple[int, int]:
    """The range of an integer column (BigInteger: 64 bits; Integer: 32, what PostgreSQL
    holds); 64 bits (what SQLite binds) without a column."""
    kind = getattr(expr, "type", None)
    if isinstance(kind, BigInteger) or kind is None:
        return _INT64
    return _INT32


def _str_length(expr: Any) -> int:
    return getattr(getattr(expr, "type", None), "length", None) or _STR_DEFAULT


@dataclass(frozen=True)
class Sort:
    name: str  # as the client writes it: year, -year, …
    keys: tuple[SortKey, ...]  # the last ones make each row's position unique

    def order_by(self) -> list:
        out = []
        for k in self.keys:
            e = k.expr.desc() if k.desc else k.expr.asc()
            out.append(e.nulls_last() if k.nullable else e)
        return out

    def after(self, values: Sequence[Any]) -> ColumnElement[bool]:
        """Rows strictly after the row with these sort values, in this order."""
        pairs: list[tuple[Any, Any]] = []  # (equal, after) per sort position
        for k, v in zip(self.keys, values, strict=True):
            beyond = (lambda e, x: e < x) if k.desc else (lambda e, x: e > x)
            if k.nullable:
                if v is None:  # among the NULLs, which sort last: only later tie-breakers count
                    pairs.append((k.expr.is_(None), false()))
                    continue
                pairs.append((k.expr.is_not(None), k.expr.is_(None)))
            pairs.append((k.expr == v, beyond(k.expr, v)))
        terms, equal_so_far = [], []
        for eq, gt in pairs:
            terms.append(and_(*equal_so_far, gt))
            equal_so_far.append(eq)
        return or_(*terms)

    def values_of(self, row: Any) -> list[Any]:
        """The sort values of a result row, a dict, or an ORM object (by attribute)."""
        mapping = row if isinstance(row, dict) else getattr(row, "_mapping", None)
        if mapping is None:
            return [getattr(row, k.name) for k in self.keys]
        return [mapping[k.name] for k in self.keys]

    def encode(self, row: Any) -> str:
        values = [v.isoformat() if isinstance(v, date) else v for v in self.values_of(row)]
        raw = orjson.dumps({"s": self.name, "v": values})
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    def decode(self, cursor: str) -> list[Any]:
        """The sort values a cursor of this order holds, each checked (SortKey.cursor_value);
        QueryError("cursor") for anything this service did not issue for this order."""
        try:
            data = orjson.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
            if type(data) is not dict or data.get("s") != self.name:
                raise ValueError("sort")
            values = data.get("v")
            if type(values) is not list or len(values) != len(self.keys):
                raise ValueError("values")
            return [k.cursor_value(v) for k, v in zip(self.keys, values)]
        except (ValueError, KeyError, TypeError, binascii.Error, orjson.JSONDecodeError):
            raise QueryError("cursor", "not a cursor this service issued for this sort order") from None


def sorts(*specs: tuple[str, list[SortKey]]) -> dict[str, Sort]:
    """name → Sort, with the descending twin `-name` of each (its own tie-breakers kept)."""
    out: dict[str, Sort] = {}
    for name, keys in specs:
        out[name] = Sort(name, tuple(keys))
        first, *rest = keys
        flipped = SortKey(first.name, first.expr, not first.desc, first.nullable, first.kind)
        out[f"-{name}"] = Sort(f"-{name}", (flipped, *rest))
    return out


@dataclass
class Page:
    rows: list[Any]
    next_cursor: str | None
    total: int | None = None


def page(session: Session, stmt: Select, sort: Sort, *, cursor: str | None, limit: int,
         count: bool = False) -> Page:
    """One page of `stmt` in `sort` order after `cursor`: limit + 1 rows read to know
    whether another page follows. `count`: also the exact number of matching rows."""
    total = None
    if count:
        total = session.exec(select(func.count()).select_from(stmt.order_by(None).subquery())).one()
    if cursor:
        stmt = stmt.where(sort.after(sort.decode(cursor)))
    rows = list(session.exec(stmt.order_by(*sort.order_by()).limit(limit + 1)))
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        next_cursor = sort.encode(rows[-1])
    return Page(rows, next_cursor, total)


def batches(open_session, stmt: Select, sort: Sort, *, cursor: str | None, limit: int | None,
            batch: int = 1000) -> Iterator[list[Any]]:
    """Every row of `stmt` after `cursor` (at most `limit`), in batches of keyset pages,
    each read in its own short session: a slow client holds no connection between them."""
    after = sort.decode(cursor) if cursor else None
    left = limit
    while left is None or left > 0:
        size = batch if left is None else min(batch, left)
        q = stmt if after is None else stmt.where(sort.after(after))
        with open_session() as session:
            rows = list(session.exec(q.order_by(*sort.order_by()).limit(size)))
        if not rows:
            return
        yield rows
        if len(rows) < size:
            return
        after = sort.values_of(rows[-1])
        if left is not None:
            left -= len(rows)


"""Keyset pagination: a page starts after the last row of the previous one, found through the index
that serves the list's order, so page 2,000 costs what page 1 costs (an OFFSET reads and throws away
every row before it).

The cursor stays opaque to callers: it is the last row's sort key, JSON in URL-safe base64. A list's
order is a tuple of columns, all ascending or all descending, ending with a unique column (the id),
so the key is a total order and the row comparison ``(a, b) > (:a, :b)`` is one index range.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from datetime import datetime
from typing import Annotated, Any, TypeVar

from fastapi import Query
from pydantic import BaseModel
from sqlalchemy import ColumnElement, Select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from shared.problems import Problem

R = TypeVar("R")


class KeysetParams(BaseModel):
    limit: int
    after: list[Any] | None = None


def _encode(key: Sequence[Any]) -> str:
    values = [{"t": v.isoformat()} if isinstance(v, datetime) else v for v in key]
    return base64.urlsafe_b64encode(json.dumps(values, separators=(",", ":")).encode()).decode()


def _decode(cursor: str) -> list[Any]:
    values = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    if not isinstance(values, list):
        raise ValueError("a cursor is a list of values")
    return [datetime.fromisoformat(v["t"]) if isinstance(v, dict) else v for v in values]


async def keyset_params(
    limit: Annotated[int, Query(ge=1, le=500, description="Items per page.")] = 50,
    cursor: Annotated[str | None, Query(description="Opaque cursor from the previous page's next_cursor.")] = None,
) -> KeysetParams:
    if not cursor:
        return KeysetParams(limit=limit)
    try:
        return KeysetParams(limit=limit, after=_decode(cursor))
    except (ValueError, TypeError, KeyError) as exc:
        raise Problem(400, "Invalid cursor", "The cursor is not one this API issued.") from exc


async def fetch_keyset_page(
    session: AsyncSession,
    query: Select[R],
    order: Sequence[ColumnElement[Any]],
    params: KeysetParams,
    *,
    descending: bool = False,
) -> tuple[list[R], str | None]:
    """One page of ``query``'s objects in ``order`` after the cursor's key, and the next page's cursor.

    ``order``'s columns are read back from each object by name, so they are mapped attributes.
    """
    if params.after is not None:
        if len(params.after) != len(order):
            raise Problem(400, "Invalid cursor", "The cursor is not one this API issued.")
        key = tuple_(*order)
        after = tuple_(*params.after)
        query = query.where(key < after if descending else key > after)
    query = query.order_by(*(c.desc() if descending else c for c in order)).limit(params.limit + 1)
    rows = list((await session.scalars(query)).all())
    if len(rows) <= params.limit:
        return rows, None
    last = rows[params.limit - 1]
    names = [getattr(c, "key", getattr(c, "name", "")) for c in order]
    return rows[: params.limit], _encode([getattr(last, name) for name in names])

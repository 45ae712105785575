"""Lists shown as grids: which columns a list has, and one page of its rows as the browser asks for them.

A list declares its columns; the browser names columns by their `field`, and nothing it sends reaches the
database except through a column's own `lookup` or filter. A request naming a column the list does not have,
or one it cannot sort or filter by, is refused (GridError, a 400), never silently ignored.

The browser asks with `page` (from 1), `size`, `sort` (a field, `-field` for descending; repeated for
ties) and `filter.<field>=<value>`; the answer holds the rows, the count (exact or estimated) and the last page.
A grid with keyset paging also answers with `after`, which the browser sends back to ask for the next page.
"""

import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import F, Field, Model, Q, QuerySet
from django.db.models.fields.tuple_lookups import Tuple, TupleGreaterThan, TupleLessThan
from django.http import JsonResponse, QueryDict

PAGE_SIZES = (25, 50, 100, 200)
MAX_FILTER_LENGTH = 200
NUMERIC_FORMATS = {"money", "signed_money", "count", "percent", "progress"}


class GridError(Exception):
    """A request the grid cannot answer; the message says why, in words."""


@dataclass(frozen=True)
class Column:
    """One column: its key in the rows, its title, and how it is sorted, filtered and shown.

    `lookup` is the ORM path the column sorts by (None: it cannot be sorted on the server). `filter` is
    "text" (contains, case-insensitive), "choice" (one of `choices`, exactly) or "" (none); `filter_by`
    replaces the default filter where the list needs another query (an indexed search, a quarter).
    `format` tells the browser how to show a value: "link" (to the row's page), "money" (cents),
    "percent" (a share), "count", "date" or "" (as it is).
    """

    field: str
    title: str
    lookup: str | None = None
    filter: str = ""
    choices: tuple[tuple[str, str], ...] = ()
    filter_by: Callable[[QuerySet, str], QuerySet] | None = None
    format: str = ""
    visible: bool = True
    width: int | None = None
    tooltip: str = ""
    total: bool = False  # the sum of the rows shown, under the column (grids that hold every row)

    @property
    def numeric(self) -> bool:
        return self.format in NUMERIC_FORMATS

    def as_browser(self) -> dict[str, Any]:
        return {
            "field": self.field,
            "title": self.title,
            "sortable": self.lookup is not None,
            "filter": self.filter,
            "choices": [list(choice) for choice in self.choices],
            "format": self.format,
            "visible": self.visible,
            "width": self.width,
            "tooltip": self.tooltip,
            "total": self.total,
        }


@dataclass(frozen=True)
class Grid:
    """A list as a grid. `remote`: the server pages, sorts and filters; else the page holds every row."""

    name: str
    columns: tuple[Column, ...]
    sort: tuple[str, ...] = ()
    remote: bool = True
    page_size: int = 50
    tiebreak: str = "pk"
    placeholder: str = "Nothing here."
    refresh_seconds: int = 0  # while a shown row is `live`, the page of rows is asked for again this often
    count: Callable[[QuerySet, bool], tuple[int, bool]] | None = None
    # Keyset paging: the next page starts after the last row of this one (as fast on page 20,000 as on page 1).
    # Only for grids whose sortable columns never hold NULL, which a row comparison would skip.
    keyset: bool = False

    def column(self, name: str) -> Column:
        for column in self.columns:
            if column.field == name:
                return column
        raise GridError(f"This list has no column {name!r}.")

    def as_browser(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "columns": [column.as_browser() for column in self.columns],
            "sort": [{"field": key.lstrip("-"), "dir": "desc" if key.startswith("-") else "asc"} for key in self.sort],
            "remote": self.remote,
            "pageSize": self.page_size,
            "placeholder": self.placeholder,
            "refreshSeconds": self.refresh_seconds,
        }


@dataclass(frozen=True)
class GridRequest:
    page: int
    size: int
    sort: list[tuple[Column, bool]] = field(default_factory=list)  # (column, descending)
    filters: list[tuple[Column, str]] = field(default_factory=list)
    after: list[Any] | None = None  # the sort values and key of the row before this page, for keyset paging


def grid_request(grid: Grid, params: QueryDict) -> GridRequest:
    """What the browser asks for, checked against the grid's columns."""
    try:
        page = int(params.get("page", "1"))
        size = int(params.get("size", str(grid.page_size)))
    except ValueError as error:
        raise GridError("The page and its size are whole numbers.") from error
    if page < 1 or size not in PAGE_SIZES:
        raise GridError(f"Pages count from 1 and hold {', '.join(map(str, PAGE_SIZES))} rows.")
    sort = []
    for key in params.getlist("sort"):
        column = grid.column(key.lstrip("-"))
        if column.lookup is None:
            raise GridError(f"This list cannot be sorted by {column.title}.")
        sort.append((column, key.startswith("-")))
    filters = []
    for key, value in params.items():
        if not key.startswith("filter."):
            continue
        column = grid.column(key.removeprefix("filter."))
        value = value.strip()
        if not value:
            continue
        if not column.filter:
            raise GridError(f"This list cannot be filtered by {column.title}.")
        if len(value) > MAX_FILTER_LENGTH:
            raise GridError(f"A filter holds at most {MAX_FILTER_LENGTH} characters.")
        if column.filter == "choice" and value not in {choice for choice, _label in column.choices}:
            raise GridError(f"{value!r} is not one of the values of {column.title}.")
        filters.append((column, value))
    return GridRequest(page=page, size=size, sort=sort, filters=filters, after=_after(params.get("after")))


def _after(text: str | None) -> list[Any] | None:
    if not text:
        return None
    try:
        after = json.loads(text)
    except ValueError as error:
        raise GridError("The page to follow is not understood.") from error
    if not isinstance(after, list) or not all(isinstance(value, str | int) for value in after):
        raise GridError("The page to follow is not understood.")
    return after


def grid_filter(queryset: QuerySet, request: GridRequest) -> QuerySet:
    for column, value in request.filters:
        if column.filter_by is not None:
            queryset = column.filter_by(queryset, value)
        elif column.filter == "choice":
            queryset = queryset.filter(Q(**{column.lookup: value}))
        else:
            queryset = queryset.filter(Q(**{f"{column.lookup}__icontains": value}))
    return queryset


def grid_order(grid: Grid, request: GridRequest) -> list[tuple[str, bool]]:
    """The lookups to order by and whether each descends: the asked order, else the grid's own, ending with the
    grid's key so that pages never overlap (in the direction of the last sort, so that an index serves both)."""
    sort = request.sort or [(grid.column(key.lstrip("-")), key.startswith("-")) for key in grid.sort]
    keys = [(column.lookup, descending) for column, descending in sort]
    return [*keys, (grid.tiebreak, keys[-1][1] if keys else False)]


def _keyset(queryset: QuerySet, order: list[tuple[str, bool]], after: list[Any]) -> QuerySet | None:
    """The rows after `after` in this order, if it goes one way only; None where paging must count rows."""
    directions = {descending for _lookup, descending in order}
    if len(directions) != 1 or len(after) != len(order):
        return None
    row = Tuple(*(F(lookup) for lookup, _descending in order))
    comparison = TupleLessThan if directions.pop() else TupleGreaterThan
    columns = [lookup for lookup, _descending in order]
    values = tuple(_as_field(queryset.model, lookup, value) for lookup, value in zip(columns, after, strict=True))
    return queryset.filter(comparison(row, values))


def _as_field(model: type[Model], lookup: str, value: Any) -> Any:
    """`value` as the column `lookup` holds it: a page to follow that names a word for a number is refused."""
    field: Field | None = None
    for part in lookup.split("__"):
        field = model._meta.pk if part == "pk" else model._meta.get_field(part)
        if field.is_relation:
            model = field.related_model
    try:
        return field.to_python(value)
    except ValidationError as error:
        raise GridError("The page to follow is not understood.") from error


def _cursor(item: Any, order: list[tuple[str, bool]]) -> list[Any]:
    values = []
    for lookup, _descending in order:
        value = item
        for part in lookup.split("__"):
            value = getattr(value, part)
        values.append(value if isinstance(value, str | int) else str(value))
    return values


def exact_count(queryset: QuerySet, filtered: bool) -> tuple[int, bool]:
    return queryset.count(), True


def grid_page(
    grid: Grid, queryset: QuerySet, params: QueryDict, row: Callable[[Any], dict[str, Any]]
) -> dict[str, Any]:
    """One page of the list as the browser asked for it: its rows, how many there are and the last page.

    The count comes from the grid's `count` where counting every row would be too slow (an estimate, or an
    exact count up to a cap); the last page then reaches at least one past this one while rows remain. A page
    that holds the last rows counts them itself: most lists of campaigns, segments or offers fit on the first.
    """
    request = grid_request(grid, params)
    filtered = grid_filter(queryset, request)
    order = grid_order(grid, request)
    ordered = filtered.order_by(*(f"-{lookup}" if descending else lookup for lookup, descending in order))
    start = (request.page - 1) * request.size
    following = _keyset(ordered, order, request.after) if grid.keyset and request.after else None
    if following is not None:
        rows = list(following[: request.size + 1])
    else:
        rows = list(ordered[start : start + request.size + 1])
    has_more = len(rows) > request.size
    if not has_more and (rows or start == 0) and following is None:
        # The last page, read whole: the rows before it and on it are all there are, no count needed.
        count, exact = start + len(rows), True
    else:
        count, exact = (grid.count or exact_count)(filtered.order_by(), bool(request.filters))
    shown = rows[: request.size]
    if shown:
        count = max(count, start + len(shown))
        last_page = max(math.ceil(count / request.size), request.page + (1 if has_more else 0), 1)
    else:  # a page past the end (the list shrank since the last one was read): the count says where it ends
        last_page = max(math.ceil(count / request.size), 1)
    return {
        "data": [row(item) for item in shown],
        "count": count,
        "count_exact": exact,
        "last_page": last_page,
        "after": _cursor(shown[-1], order) if grid.keyset and shown and has_more else None,
    }


def grid_json(grid: Grid, queryset: QuerySet, params: QueryDict, row: Callable[[Any], dict[str, Any]]) -> JsonResponse:
    """The page as JSON for the grid, or a 400 that says what was wrong with the request."""
    try:
        return JsonResponse(grid_page(grid, queryset, params, row))
    except GridError as error:
        return JsonResponse({"error": str(error)}, status=400)


def grid_context(
    grid: Grid, rows: list[dict[str, Any]], *, rows_url: str = "", count: int | None = None
) -> dict[str, Any]:
    """What core/_grid.html needs: the grid for the browser, and the first rows as a table for a first paint
    (and for a browser without JavaScript). A grid that is not remote receives all its rows this way."""
    return {"config": grid.as_browser(), "columns": grid.columns, "rows": rows, "rows_url": rows_url, "count": count}

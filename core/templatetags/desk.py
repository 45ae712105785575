import html
from datetime import date

from django import template
from django.contrib.humanize.templatetags.humanize import intcomma
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from core.grids import Column
from core.idempotency import FIELD, new_key
from core.lib.days import as_of_words
from core.lib.money import format_cents
from core.lib.readable import job_sentence as job_sentence_words
from core.lib.readable import readable as readable_html

register = template.Library()


@register.filter
def money(cents: int | None) -> str:
    return format_cents(cents)


@register.filter
def percent(share: float | None, digits: int = 1) -> str:
    """A share (0.123) as a percentage (12.3%)."""
    if share is None:
        return ""
    return f"{float(share) * 100:.{digits}f}%"


@register.filter
def percent_points(difference: float | None, digits: int = 1) -> str:
    """A difference of two shares (0.012) in percentage points, signed (+1.2 pts)."""
    if difference is None:
        return ""
    return f"{float(difference) * 100:+.{digits}f} pts"


@register.filter
def as_of(day: date | None) -> str:
    """An as-of date in words: "as of the end of 2011-12-09"."""
    return as_of_words(day) if day else ""


@register.filter
def pvalue(p: float | None) -> str:
    """A p-value as people read one: 0.30, 0.004, 1.2e-07, < 1e-16; never 0.0000."""
    if p is None:
        return "-"
    p = float(p)
    if p < 1e-16:
        return "< 1e-16"
    if p < 0.001:
        return f"{p:.1e}"
    return f"{p:.3f}" if p < 0.01 else f"{p:.2f}"


@register.filter
def p_is(p: float | None) -> str:
    """A p-value after its sign: "= 0.30", "= 1.2e-07", "< 1e-16"."""
    text = pvalue(p)
    return text if text.startswith("<") else f"= {text}"


@register.filter
def get_item(mapping: dict, key: object) -> object:
    return mapping.get(key) if mapping else None


@register.simple_tag
def form_key() -> str:
    """The hidden key of a creating form: sent twice, it still makes one object (core.idempotency)."""
    return format_html('<input type="hidden" name="{}" value="{}">', FIELD, new_key())


@register.filter
def readable(value: object) -> str:
    """A job's input or result as words and tables (see core.lib.readable)."""
    return readable_html(value)


@register.filter
def job_sentence(job: object) -> str:
    return job_sentence_words(job)


@register.filter
def grid_count(count: int) -> str:
    return f"{intcomma(count)} row{'' if count == 1 else 's'}"


@register.simple_tag
def grid_cells(row: dict, columns: list[Column]) -> str:
    """A row's visible cells on a grid's first page: one tag a row, not one a cell, which cost the template
    more than the cells themselves."""
    return mark_safe("".join(grid_cell(row, column) for column in columns if column.visible))


def grid_cell(row: dict, column: Column) -> str:
    """One cell of a grid's first page, as the grid shows it (static/js/grid.js) once it has loaded.

    Cells are escaped as Django escapes them, without format_html's per-call checks for lazy text: a first page
    of fifty customers has 350 cells."""
    value = row.get(column.field)
    if column.format == "link" and row.get("url"):
        return f'<td><a href="{_escaped(row["url"])}">{_escaped(value)}</a></td>'
    if value is None or value == "":
        return "<td></td>"
    if column.format in ("money", "signed_money"):
        return f'<td class="num">{_escaped(format_cents(value))}</td>'
    if column.format == "count":
        return f'<td class="num">{_escaped(intcomma(value))}</td>'
    if column.format == "progress":
        return f'<td class="num">{_escaped(value)}%</td>'
    if column.format == "percent":
        return f'<td class="num">{_escaped(percent(value))}</td>'
    if column.format == "badge":
        return (
            f'<td><span class="badge text-bg-{_escaped(row.get(f"{column.field}_tone"))}">{_escaped(value)}</span></td>'
        )
    if column.format == "lines":
        return "<td>" + "".join(f"<div>{_escaped(line)}</div>" for line in value) + "</td>"
    return f"<td>{_escaped(value)}</td>"


def _escaped(value: object) -> str:
    """`value` as conditional_escape gives it: HTML it was marked as, else its text escaped."""
    return value.__html__() if hasattr(value, "__html__") else html.escape(str(value))

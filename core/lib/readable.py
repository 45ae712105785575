"""A job's input and result for people: keys as words, numbers with separators, lists and maps as tables."""

import re
from datetime import date
from typing import Any

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from core.lib.money import format_cents

CODE = re.compile(r"^[a-z]+(?:_[a-z0-9]+)+$")
# Words a key ends with that say how to show its value.
UNITS = {"_cents": "money", "_seconds": "seconds", "_share": "percent", "_rate": "percent", "_id": "number"}


def label(key: object) -> str:
    """`history_ends` -> "History ends"; `contact_cost_cents` -> "Contact cost"; `campaign_id` -> "Campaign"."""
    words = str(key)
    for suffix in ("_cents", "_id"):
        words = words.removesuffix(suffix)
    return words.replace("_", " ").strip().capitalize()


def readable(value: Any, key: str = "") -> SafeString:
    """`value` as HTML a person reads: a table for a map or a list of rows, words for the rest."""
    if isinstance(value, dict):
        rows = ((label(name), readable(item, str(name))) for name, item in value.items())
        return format_html(
            '<table class="table table-dense mb-0"><tbody>{}</tbody></table>',
            format_html_join("", '<tr><th class="fw-normal text-secondary">{}</th><td>{}</td></tr>', rows),
        )
    if isinstance(value, list) and value and all(isinstance(row, list | tuple) and len(row) == 2 for row in value):
        return readable({name: count for name, count in value}, key)
    if isinstance(value, list) and value and all(isinstance(row, dict) for row in value):
        return _table(value)
    if isinstance(value, list):
        return mark_safe(", ".join(str(readable(item, key)) for item in value)) if value else mark_safe("none")
    return format_html("{}", _scalar(value, key))


def _table(rows: list[dict]) -> SafeString:
    columns = list(dict.fromkeys(name for row in rows for name in row))
    head = format_html_join("", "<th>{}</th>", ((label(name),) for name in columns))
    cells = (
        format_html_join("", "<td>{}</td>", ((readable(row.get(name), name),) for name in columns)) for row in rows
    )
    body = format_html_join("", "<tr>{}</tr>", ((row,) for row in cells))
    return format_html(TABLE, head, body)


TABLE = '<table class="table table-dense mb-0"><thead><tr>{}</tr></thead><tbody>{}</tbody></table>'


def _scalar(value: Any, key: str) -> str:
    unit = next((unit for suffix, unit in UNITS.items() if key.endswith(suffix)), "")
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        if unit == "money":
            return format_cents(round(value))
        if unit == "percent" and value <= 1:
            return f"{value * 100:.1f}%"
        if unit == "seconds":
            return f"{value:,.1f} s"
        if unit == "number":
            return f"number {value}"
        return f"{value:,}" if isinstance(value, int) else f"{value:,.2f}"
    if isinstance(value, str):
        try:
            return f"{date.fromisoformat(value):%d %b %Y}"
        except ValueError:
            return label(value) if CODE.match(value) else value
    return str(value)


def job_sentence(job: Any) -> str:
    """What happened to a job, in one sentence: "Demo data, started by admin, succeeded in 14.1 s."."""
    who = f"started by {job.owner}" if job.owner_id else "started by the system"
    outcome = job.get_status_display().lower()
    took = f" in {job.duration_seconds:,.1f} s" if job.is_finished and job.duration_seconds is not None else ""
    return f"{job.get_kind_display()}, {who}, {outcome}{took}."

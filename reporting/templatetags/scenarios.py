"""How the comparison of scenarios writes a figure of each kind. A comparison of 200 campaigns has over a
thousand cells: one filter each, with Python's own thousands separator (the site's, a comma), rather than an
include and the localised number formatting, which asks for the active language on every number."""

from django import template

register = template.Library()


def _money(cents: float) -> str:
    cents = round(float(cents))
    whole, fraction = divmod(abs(cents), 100)
    return f"{'-' if cents < 0 else ''}{whole:,}.{fraction:02d}"


@register.filter
def figure(value: float | None, kind: str) -> str:
    if value is None:
        return "\u2013"  # an en dash: not in this version
    if kind == "money":
        return _money(value)
    if kind == "ratio":
        return f"{float(value) * 100:.0f}%"
    if kind == "rate":
        return f"{float(value):.2f}"
    return f"{round(value):,}"


@register.filter
def plain(value: float | None) -> str:
    """A number for the page's scripts and tests, never localised."""
    return "" if value is None else str(value)


@register.filter
def signed_figure(value: float | None, kind: str) -> str:
    """A difference, with its sign."""
    text = figure(value, kind)
    return f"+{text}" if value is not None and value > 0 else text

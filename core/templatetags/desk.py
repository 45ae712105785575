from django import template

from core.lib.money import format_cents

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
def get_item(mapping: dict, key: object) -> object:
    return mapping.get(key) if mapping else None

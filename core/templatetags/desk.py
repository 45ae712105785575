from django import template
from django.contrib.humanize.templatetags.humanize import intcomma

register = template.Library()


@register.filter
def money(cents: int | None) -> str:
    """Integer cents as an amount with two decimals and thousands separators."""
    if cents is None:
        return ""
    sign = "-" if cents < 0 else ""
    whole, fraction = divmod(abs(int(cents)), 100)
    return f"{sign}{intcomma(whole)}.{fraction:02d}"

from django.contrib.humanize.templatetags.humanize import intcomma


def format_cents(cents: int | None) -> str:
    """Integer cents as an amount with two decimals and thousands separators (-1,234.50)."""
    if cents is None:
        return ""
    sign = "-" if cents < 0 else ""
    whole, fraction = divmod(abs(int(cents)), 100)
    return f"{sign}{intcomma(whole)}.{fraction:02d}"

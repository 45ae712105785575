from django.contrib.humanize.templatetags.humanize import intcomma


def format_cents(cents: float | str | None) -> str:
    """Cents as an amount with two decimals and thousands separators (-1,234.50)."""
    if cents is None or cents == "":
        return ""
    cents = round(float(cents))
    sign = "-" if cents < 0 else ""
    whole, fraction = divmod(abs(cents), 100)
    return f"{sign}{intcomma(whole)}.{fraction:02d}"

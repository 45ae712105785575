"""Calendar quarters, and money spread over the quarters a period spans, to the cent."""

from datetime import date, timedelta

Quarter = tuple[int, int]  # (year, quarter 1 to 4)


def quarter_of(day: date) -> Quarter:
    return day.year, (day.month - 1) // 3 + 1


def quarter_bounds(year: int, quarter: int) -> tuple[date, date]:
    first = date(year, 3 * quarter - 2, 1)
    last = date(year + (quarter == 4), 1 if quarter == 4 else 3 * quarter + 1, 1) - timedelta(days=1)
    return first, last


def quarters_spanned(start: date, end: date) -> list[tuple[Quarter, int]]:
    """Each quarter from `start` to `end` (both included) with how many of the period's days fall in it."""
    spanned = []
    day = start
    while day <= end:
        quarter = quarter_of(day)
        last = min(quarter_bounds(*quarter)[1], end)
        spanned.append((quarter, (last - day).days + 1))
        day = last + timedelta(days=1)
    return spanned


def prorate(cents: int, start: date, end: date) -> dict[Quarter, int]:
    """`cents` charged to the quarters the period spans in proportion to its days in each. The shares are
    cumulative roundings, so they always add up to `cents` exactly."""
    spanned = quarters_spanned(start, end)
    total = sum(days for _, days in spanned)
    shares, before, running = {}, 0, 0
    for quarter, days in spanned:
        running += days
        upto = round(cents * running / total) if total else cents
        shares[quarter] = upto - before
        before = upto
    return shares

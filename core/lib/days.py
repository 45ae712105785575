"""What a date means in Campaign Desk: the whole of that day in the app's time zone.

Features, stages and the value model are computed "as of" a date D: every
purchase made at any time on D counts, nothing from D + 1 does, and D is the
day ages are counted to (a purchase on D is 0 days old).
"""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings


def zone_name() -> str:
    return settings.TIME_ZONE


def day_start(day: date) -> datetime:
    """The first moment of `day` in the app's time zone."""
    return datetime.combine(day, time.min, tzinfo=ZoneInfo(zone_name()))


def day_end(day: date) -> datetime:
    """The first moment after `day`: what happened before it happened on `day` or earlier."""
    return day_start(day + timedelta(days=1))


def as_of_words(day: date) -> str:
    """How a page or a command names an as-of date: "as of the end of 2011-12-09"."""
    return f"as of the end of {day.isoformat()}"

"""Evidence measured from the team's own work in the app, beside each process of a scorecard.

Each indicator belongs to one process (by its key, which stays the same across template versions) and measures
the year up to the assessment's date: a value, the level of practice it suggests, how it was measured and the
campaigns (or portfolios) behind it. Every indicator is a handful of set-based queries whatever the data's size.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, NotRequired, TypedDict

from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone

from campaigns.models import Campaign

LINKS_SHOWN = 60


class Link(TypedDict):
    kind: str  # "campaign" or "portfolio"
    id: int
    name: str
    ok: bool  # whether this one counts towards the figure (a campaign planned ahead, a portfolio fully managed)


class Figure(TypedDict):
    key: str
    label: str
    unit: str  # "share", "number" or "money" (cents); the comparison counts shares' changes in points
    value: float | None  # None: not measured
    display: str
    level: str | None  # "basic", "developing", "advanced", or None when the figure suggests none
    note: str
    links: list[Link]
    links_more: NotRequired[int]


@dataclass(frozen=True)
class Period:
    """The year an assessment looks back over: from `start` to `end`, both days included."""

    start: date
    end: date
    # What several indicators read (a year of purchases), measured once per assessment.
    cache: dict = field(default_factory=dict, compare=False, hash=False, repr=False)

    @classmethod
    def year_to(cls, day: date) -> "Period":
        return cls(start=years_before(day, 1) + timedelta(days=1), end=day)

    @property
    def before(self) -> "Period":
        if "before" not in self.cache:
            self.cache["before"] = Period(start=years_before(self.start, 1), end=self.start - timedelta(days=1))
        return self.cache["before"]

    @property
    def first_moment(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.start, time.min))

    @property
    def after_last_moment(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.end + timedelta(days=1), time.min))

    @property
    def quarters(self) -> tuple[int, int]:
        """The first and last quarter the period touches, each as year * 4 + quarter - 1."""
        return quarter_index(self.start), quarter_index(self.end)


@dataclass(frozen=True)
class Measure:
    value: float | None
    display: str
    level: str | None
    note: str
    links: list[Link]


@dataclass(frozen=True)
class Indicator:
    process_key: str
    key: str
    label: str
    unit: str
    measure: Callable[[Period], Measure]


INDICATORS: dict[str, list[Indicator]] = {}


def indicator(process_key: str, key: str, label: str, unit: str = "share") -> Callable:
    def register(measure: Callable[[Period], Measure]) -> Callable[[Period], Measure]:
        INDICATORS.setdefault(process_key, []).append(Indicator(process_key, key, label, unit, measure))
        return measure

    return register


def measure_processes(process_keys: list[str], day: date) -> dict[str, list[Figure]]:
    """Every indicator of the given processes, over the year up to `day`."""
    period = Period.year_to(day)
    return {key: [_figure(each, period) for each in INDICATORS.get(key, [])] for key in process_keys}


def _figure(each: Indicator, period: Period) -> Figure:
    measured = each.measure(period)
    figure = Figure(
        key=each.key,
        label=each.label,
        unit=each.unit,
        value=measured.value,
        display=measured.display,
        level=measured.level,
        note=measured.note,
        links=measured.links[:LINKS_SHOWN],
    )
    if len(measured.links) > LINKS_SHOWN:
        figure["links_more"] = len(measured.links) - LINKS_SHOWN
    return figure


# --- levels -----------------------------------------------------------------------------------------------------


def level_of_share(share: float | None, *, developing: float = 1 / 3, advanced: float = 2 / 3) -> str | None:
    if share is None:
        return None
    return "advanced" if share >= advanced else "developing" if share >= developing else "basic"


def level_of_change(change: float | None, *, better_when_lower: bool = False) -> str | None:
    """A relative change against the year before: up by 2% or more is advanced, within 2% developing."""
    if change is None:
        return None
    change = -change if better_when_lower else change
    return "advanced" if change >= 0.02 else "developing" if change > -0.02 else "basic"


def share_of(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def share_words(part: int, whole: int, things: str) -> str:
    if not whole:
        return f"No {things} in the year"
    return f"{100 * part / whole:.0f}% ({part:,} of {whole:,} {things})"


def campaign_links(rows: list[tuple[int, str, bool]]) -> list[Link]:
    """Campaigns that fall short first: they are the ones to argue about."""
    return [Link(kind="campaign", id=pk, name=name, ok=ok) for pk, name, ok in sorted(rows, key=lambda row: row[2])]


def years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def quarter_index(day: date) -> int:
    return day.year * 4 + (day.month - 1) // 3


def campaigns_starting(period: Period) -> QuerySet[Campaign]:
    return Campaign.objects.filter(start_date__gte=period.start, start_date__lte=period.end)


def sql_rows(sql: str, params: dict[str, Any]) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()

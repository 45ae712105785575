"""The sections of the navigation rail and their keyboard shortcuts.

A section shows, with its shortcut, only to those whose role may open it (its permission; without one,
anyone with a role).
"""

from dataclasses import dataclass
from functools import cached_property, lru_cache

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.urls import reverse

from core.roles import group_names


@dataclass(frozen=True)
class Section:
    key: str
    label: str
    icon: str
    shortcut: str
    url_name: str | None  # None: the section is not part of the app yet and is shown disabled
    permission: str = "core.use_app"

    @cached_property
    def url(self) -> str | None:
        """Worked out once per process: every page draws the rail, and the addresses never change."""
        return reverse(self.url_name) if self.url_name else None

    def may_open(self, user: AbstractBaseUser | AnonymousUser) -> bool:
        return user.has_perm(self.permission)


SECTIONS = [
    Section("home", "Home", "house", "h", "home"),
    Section("plan", "Plan", "calendar3", "p", "reporting:plan", permission="reporting.view_plan"),
    Section("campaigns", "Campaigns", "megaphone", "c", "campaigns:list", permission="campaigns.view_campaigns"),
    Section(
        "portfolios", "Portfolios", "briefcase", "o", "reporting:portfolios", permission="segments.view_portfolios"
    ),
    Section("segments", "Segments", "diagram-3", "s", "segments:list", permission="segments.view_segments"),
    Section("offers", "Offers", "tags", "f", "offers:bank", permission="offers.view_offers"),
    Section("customers", "Customers", "people", "u", "customers:list", permission="customers.view_customers"),
    Section(
        "results", "Results", "graph-up-arrow", "r", "campaigns:results_list", permission="campaigns.view_campaigns"
    ),
    Section(
        "scorecards", "Scorecards", "clipboard-check", "k", "scorecards:list", permission="scorecards.view_scorecards"
    ),
    Section("imports", "Imports", "upload", "i", "customers:imports", permission="customers.view_imports"),
    Section("jobs", "Jobs", "hourglass-split", "j", "jobs"),
    Section("admin", "Admin", "gear", "a", "admin:index", permission="core.use_admin"),
]


def sections_open_to(user: AbstractBaseUser | AnonymousUser) -> list[Section]:
    """The sections the user may open, in the rail's order.

    Every page draws the rail, and what it holds depends only on who the user is and what their roles and flags
    are now (their groups are read on every request), so it is worked out once per process for each of those.
    """
    if not user.is_authenticated:
        return [section for section in SECTIONS if section.may_open(user)]
    standing = (user.pk, user.is_active, user.is_superuser, frozenset(group_names(user)))
    return [SECTIONS[index] for index in _open_sections(standing, user)]


@lru_cache(maxsize=4096)
def _open_sections(standing: tuple, user: AbstractBaseUser) -> tuple[int, ...]:
    # `user` equals every other copy of the same user (models compare by primary key), so the key is `standing`;
    # the user is asked only when that is new.
    return tuple(index for index, section in enumerate(SECTIONS) if section.may_open(user))

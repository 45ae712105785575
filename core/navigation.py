"""The sections of the navigation rail and their keyboard shortcuts."""

from dataclasses import dataclass

from django.urls import reverse


@dataclass(frozen=True)
class Section:
    key: str
    label: str
    icon: str
    shortcut: str
    url_name: str | None  # None: the section is not part of the app yet and is shown disabled
    admin_only: bool = False

    @property
    def url(self) -> str | None:
        return reverse(self.url_name) if self.url_name else None


SECTIONS = [
    Section("home", "Home", "house", "h", "home"),
    Section("plan", "Plan", "calendar3", "p", "reporting:plan"),
    Section("campaigns", "Campaigns", "megaphone", "c", "campaigns:list"),
    Section("portfolios", "Portfolios", "briefcase", "o", "reporting:portfolios"),
    Section("segments", "Segments", "diagram-3", "s", "segments:list"),
    Section("offers", "Offers", "tags", "f", "offers:bank"),
    Section("customers", "Customers", "people", "u", "customers:list"),
    Section("results", "Results", "graph-up-arrow", "r", "campaigns:results_list"),
    Section("scorecards", "Scorecards", "clipboard-check", "k", "scorecards:list"),
    Section("imports", "Imports", "upload", "i", "customers:imports"),
    Section("jobs", "Jobs", "hourglass-split", "j", "jobs"),
    Section("admin", "Admin", "gear", "a", "admin:index", admin_only=True),
]

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from core.navigation import SECTIONS, Section, sections_open_to
from core.roles import role_names
from core.selectors import workers_alive


def active_section(path: str) -> Section | None:
    """The section whose address is the longest prefix of `path` (home only on an exact match)."""
    candidates = [
        section
        for section in SECTIONS
        if section.url and (path == section.url or (section.url != "/" and path.startswith(section.url)))
    ]
    return max(candidates, key=lambda section: len(section.url), default=None)


def shell(request: HttpRequest) -> dict:
    return {
        "nav_sections": sections_open_to(request.user),
        "nav_active": active_section(request.path),
        "user_roles": role_names(request.user),
        # Read once per request, and only by a page that shows a queued job.
        "workers_alive": SimpleLazyObject(workers_alive),
    }

"""Panels that a higher app adds to a lower app's page.

A page shows what its own app knows. What only a higher app knows (a customer's contacts, a portfolio's
campaigns and their P&L) comes as a panel that the higher app registers from its `AppConfig.ready()`, so
the lower app never imports the higher one and works, with fewer panels, without it.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.safestring import SafeString

# The panel's template context for this request and subject (the page's object), or None to leave it out.
PanelContext = Callable[[HttpRequest, Any], dict[str, Any] | None]


@dataclass(frozen=True)
class Panel:
    template: str
    context: PanelContext
    order: int


_slots: dict[str, list[Panel]] = {}


def panel_register(*, slot: str, template: str, context: PanelContext, order: int = 0) -> None:
    panels = [panel for panel in _slots.get(slot, []) if panel.template != template]
    _slots[slot] = sorted([*panels, Panel(template, context, order)], key=lambda panel: panel.order)


def panels_render(slot: str, request: HttpRequest, subject: object) -> list[SafeString]:
    """The slot's panels for this subject, rendered in order."""
    rendered = []
    for panel in _slots.get(slot, []):
        context = panel.context(request, subject)
        if context is not None:
            rendered.append(render_to_string(panel.template, context, request=request))
    return rendered

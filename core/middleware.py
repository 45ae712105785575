from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from core.roles import has_any_role

# Paths a signed-in user without a role may still reach: signing out, and the load balancer's probe.
OPEN_TO_EVERY_USER = ("/logout/", "/healthz")


class RoleRequiredMiddleware:
    """A signed-in user with no role sees nothing but a page that says so (403)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated and not has_any_role(user) and request.path not in OPEN_TO_EVERY_USER:
            return render(request, "core/no_role.html", status=403)
        return self.get_response(request)

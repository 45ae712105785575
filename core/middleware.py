import time
from collections.abc import Callable

from django.conf import settings
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from core.lib.database import timed_out
from core.roles import has_any_role

# Paths a signed-in user without a role may still reach: signing out, and the load balancer's probe.
OPEN_TO_EVERY_USER = ("/logout/", "/healthz")


class ServerTimingMiddleware:
    """Every answer says how long the app took to make it, in wall and CPU milliseconds (`Server-Timing`), so
    a browser's network panel or a load test tells the server's share of a slow page from the network's."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started, cpu_started = time.perf_counter(), time.thread_time()
        response = self.get_response(request)
        wall = (time.perf_counter() - started) * 1000
        cpu = (time.thread_time() - cpu_started) * 1000
        response.headers["Server-Timing"] = f"app;dur={wall:.1f}, cpu;dur={cpu:.1f}"
        return response


class RoleRequiredMiddleware:
    """A signed-in user with no role sees nothing but a page that says so (403)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated and not has_any_role(user) and request.path not in OPEN_TO_EVERY_USER:
            return render(request, "core/no_role.html", status=403)
        return self.get_response(request)


class StatementTimeoutMiddleware:
    """No statement of a web request runs longer than WEB_STATEMENT_TIMEOUT_SECONDS; one that would is
    stopped by PostgreSQL and the person is told so in words (503), instead of a page that never comes."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT set_config('statement_timeout', %s, false)",
                    [f"{settings.WEB_STATEMENT_TIMEOUT_SECONDS}s"],
                )
        except DatabaseError:
            pass  # no database: the page itself says so (the health check answers 503)
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not timed_out(exception):
            return None
        context = {"seconds": settings.WEB_STATEMENT_TIMEOUT_SECONDS}
        if getattr(request, "htmx", False):
            # htmx swaps only successful answers: the message takes the place of what was asked for.
            return render(request, "core/_timed_out.html", context)
        return render(request, "core/timed_out.html", context, status=503)


class ContentSecurityPolicyMiddleware:
    """Every page says where its scripts, styles and data may come from: this server only (CONTENT_SECURITY_POLICY),
    so text that slipped into a page cannot load or send anything elsewhere."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if settings.CONTENT_SECURITY_POLICY:
            response.headers.setdefault("Content-Security-Policy", settings.CONTENT_SECURITY_POLICY)
        return response


class OwnErrorPagesMiddleware:
    """A missing page is the app's own "Not found" page, even with DEBUG on (as under `make run`).

    With DEBUG, Django answers a missing page with a technical page that lists every address of the app;
    handler404 only takes over when DEBUG is off. The pages the app renders itself carry `own_page`.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        technical = response.status_code == 404 and not getattr(response, "own_page", False)
        if settings.DEBUG and technical and response.get("Content-Type", "").startswith("text/html"):
            from core.views import page_not_found

            return page_not_found(request)
        return response

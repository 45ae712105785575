"""Every page and endpoint checks who is asking."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from core.tests.factories import PASSWORD

OPEN_PATHS = {"login", "logout", "healthz"}


def named_routes(patterns=None, namespace: str = "") -> list[str]:
    """Every named route of the project outside the admin, reversed with made-up ids."""
    routes = []
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(pattern, URLResolver):
            if pattern.app_name == "admin":
                continue
            prefix = f"{pattern.namespace}:" if pattern.namespace else namespace
            routes += named_routes(pattern.url_patterns, prefix)
        elif isinstance(pattern, URLPattern) and pattern.name and pattern.name not in OPEN_PATHS:
            converters = pattern.pattern.converters
            kwargs = {
                name: 999_999 if type(conv).__name__ == "IntConverter" else "x" for name, conv in converters.items()
            }
            routes.append(reverse(namespace + pattern.name, kwargs=kwargs))
    return routes


ROUTES = named_routes()


def test_the_route_list_covers_the_app():
    assert "/" in ROUTES and "/jobs/" in ROUTES


@pytest.mark.django_db
@pytest.mark.parametrize("path", ROUTES)
def test_an_anonymous_visitor_is_sent_to_sign_in(client, path):
    for response in (client.get(path), client.post(path)):
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("path", ROUTES)
def test_a_user_without_a_role_sees_nothing(client, outsider, path):
    client.force_login(outsider)
    response = client.get(path)
    assert response.status_code == 403
    assert b"no role yet" in response.content


def test_the_admin_refuses_a_marketer_and_admits_an_admin(client, marketer, admin_user):
    client.force_login(marketer)
    refused = client.get("/admin/", follow=True)
    assert (refused.redirect_chain[-1][0], refused.status_code) == ("/admin/login/?next=/admin/", 403)
    assert client.get("/admin/login/").status_code == 403
    client.force_login(admin_user)
    assert client.get("/admin/").status_code == 200


def test_signing_in_leads_to_the_home_page(client, marketer):
    response = client.post(reverse("login"), {"username": "maria", "password": PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("home")
    assert b"Jobs run" in response.content


def test_a_wrong_password_is_refused(client, marketer):
    response = client.post(reverse("login"), {"username": "maria", "password": "wrong"})
    assert response.status_code == 200
    assert b"did not match" in response.content


def test_the_health_probe_needs_no_sign_in(client, db):
    assert set(client.get("/healthz").json()) == {"ok", "database", "broker", "worker"}

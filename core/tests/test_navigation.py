"""The navigation shows each role only the sections it may open, shortcuts included."""

import re

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.roles import MANAGER, MARKETER

ROLES = ["marketer", "segment_owner", "manager", "admin_user"]


def rail_links(page: str) -> dict[str, str]:
    """The rail's sections: shortcut letter -> address."""
    return {key: href for href, key in re.findall(r'href="([^"]+)"\s+data-shortcut="(\w)"', page)}


@pytest.mark.parametrize("role", ROLES)
def test_every_section_in_the_navigation_opens_for_the_role(client, request, role):
    client.force_login(request.getfixturevalue(role))
    links = rail_links(client.get(reverse("home")).content.decode())
    assert links
    for href in links.values():
        assert client.get(href).status_code == 200, href


@pytest.mark.parametrize("role", ["marketer", "segment_owner"])
def test_imports_and_admin_are_not_offered_to_those_who_cannot_open_them(client, request, role):
    client.force_login(request.getfixturevalue(role))
    page = client.get(reverse("home")).content.decode()
    assert set(rail_links(page)) == {"p", "c", "o", "s", "f", "u", "r", "k", "j"}
    assert "Go to Imports" not in page and "Go to Admin" not in page
    assert "Imports" not in page


def test_a_manager_is_offered_imports_but_not_the_admin(client, manager):
    client.force_login(manager)
    page = client.get(reverse("home")).content.decode()
    assert {"i"} <= set(rail_links(page)) and "a" not in rail_links(page)
    assert "Go to Imports" in page


def test_an_admin_is_offered_imports_and_the_admin(client, admin_user):
    client.force_login(admin_user)
    assert {"i", "a"} <= set(rail_links(client.get(reverse("home")).content.decode()))


def test_a_role_taken_away_leaves_the_rail_on_the_next_page(client, manager):
    """The rail is worked out once per role: a manager made a marketer stops seeing Imports at once."""
    client.force_login(manager)
    assert "i" in rail_links(client.get(reverse("home")).content.decode())
    manager.groups.set([Group.objects.get(name=MARKETER)])
    assert "i" not in rail_links(client.get(reverse("home")).content.decode())
    manager.groups.set([Group.objects.get(name=MANAGER)])
    assert "i" in rail_links(client.get(reverse("home")).content.decode())


def test_a_page_reads_the_roles_once_and_no_model_permissions(client, marketer):
    """Roles are read once per page, and permissions the rules deny are not looked up again among the model
    permissions (which nobody is given): the sign-in machinery costs every page three queries, not seven."""
    client.force_login(marketer)
    client.get(reverse("jobs"))
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("jobs")).status_code == 200
    statements = [query["sql"] for query in queries.captured_queries]
    assert sum("auth_group" in sql for sql in statements) == 1
    assert not any("auth_permission" in sql for sql in statements)

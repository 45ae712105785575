"""The navigation shows each role only the sections it may open, shortcuts included."""

import re

import pytest
from django.urls import reverse

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

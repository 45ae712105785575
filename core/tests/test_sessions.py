"""A session is what keeps a person signed in: it ends when it expires, when they sign out, when their account is
closed or their password changes, and it carries their roles as they are now."""

from datetime import timedelta

from django.contrib.auth.models import Group
from django.contrib.sessions.models import Session
from django.urls import reverse
from django.utils import timezone

from core.roles import MANAGER, MARKETER
from core.tests.factories import PASSWORD


def sign_in(client, user) -> None:
    response = client.post(reverse("login"), {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302


def home(client) -> int:
    return client.get(reverse("home")).status_code


def test_a_signed_in_person_stays_signed_in_until_the_session_expires(client, marketer):
    sign_in(client, marketer)
    assert home(client) == 200
    Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))
    response = client.get(reverse("home"))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_signing_out_ends_the_session_for_whoever_holds_its_cookie(client, marketer):
    sign_in(client, marketer)
    cookie = client.cookies["sessionid"].value
    client.post(reverse("logout"))
    client.cookies["sessionid"] = cookie  # the old cookie, replayed
    assert home(client) == 302


def test_a_closed_account_or_a_new_password_signs_the_person_out(client, marketer, manager):
    sign_in(client, marketer)
    marketer.is_active = False
    marketer.save()
    assert home(client) == 302
    sign_in(client, manager)
    manager.set_password("a-different-long-password")
    manager.save()
    assert home(client) == 302


def test_a_person_with_two_roles_has_both_on_every_page(client, marketer):
    marketer.groups.add(Group.objects.get(name=MANAGER))
    sign_in(client, marketer)
    page = client.get(reverse("home")).content.decode()
    assert "Go to Imports" in page  # a manager's section
    marketer.groups.set([Group.objects.get(name=MARKETER)])
    assert "Go to Imports" not in client.get(reverse("home")).content.decode()

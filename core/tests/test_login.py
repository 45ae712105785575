"""Signing in is throttled: twenty wrong passwords do not leave the right one open to the guesser."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from core.models import LoginFailure
from core.tests.factories import PASSWORD


def sign_in(client, username: str, password: str, address: str = "192.0.2.10"):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address)


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_twenty_wrong_passwords_lock_the_account_even_for_the_right_one(client, marketer, manager):
    for _ in range(20):
        page = sign_in(client, marketer.username, "guess")
    assert "Too many failed sign-ins for this account" in page.content.decode()
    page = sign_in(client, marketer.username, PASSWORD)
    assert not signed_in(client)
    assert "Too many failed sign-ins for this account. Try again in 15 minutes" in page.content.decode()
    assert LoginFailure.objects.filter(username=marketer.username).count() == 5  # tries while locked are not kept
    sign_in(client, manager.username, PASSWORD, address="198.51.100.7")
    assert signed_in(client)  # another account, from another address, is not held up


def test_the_account_opens_again_once_the_window_has_passed(client, marketer):
    for _ in range(5):
        sign_in(client, marketer.username, "guess")
    LoginFailure.objects.update(failed_at=timezone.now() - timedelta(minutes=16))
    sign_in(client, marketer.username, PASSWORD)
    assert signed_in(client)
    assert not LoginFailure.objects.filter(username=marketer.username).exists()


def test_one_address_guessing_many_accounts_is_stopped(client, marketer, settings):
    settings.LOGIN_FAILURES_PER_ADDRESS = 3
    for number in range(3):
        sign_in(client, f"someone{number}", "guess")
    page = sign_in(client, marketer.username, PASSWORD)
    assert not signed_in(client)
    assert "Too many failed sign-ins from this address" in page.content.decode()
    sign_in(client, marketer.username, PASSWORD, address="198.51.100.7")
    assert signed_in(client)


def test_a_wrong_password_says_so(client, marketer):
    page = sign_in(client, marketer.username, "guess")
    assert "did not match" in page.content.decode() and not signed_in(client)


def test_the_sign_in_page_carries_the_content_security_policy(client, db):
    policy = client.get(reverse("login"))["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy and "https:" not in policy

"""Signing in, throttled: after too many failed tries for one account, or from one address, within a window,
every further try is refused (even with the right password) until the window has passed.

Failures are rows in the database, so every web process counts the same ones.
"""

from datetime import timedelta

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.utils import timezone

from core.models import LoginFailure


def login_refusal(*, username: str, address: str | None) -> str | None:
    """Why a sign-in may not be tried now, or None when it may."""
    since = timezone.now() - timedelta(seconds=settings.LOGIN_LOCKOUT_SECONDS)
    recent = LoginFailure.objects.filter(failed_at__gte=since)
    minutes = max(1, settings.LOGIN_LOCKOUT_SECONDS // 60)
    if recent.filter(username=username.lower()).count() >= settings.LOGIN_FAILURES_PER_ACCOUNT:
        return (
            f"Too many failed sign-ins for this account. Try again in {minutes} minutes, or ask an administrator "
            "to set a new password."
        )
    if address and recent.filter(address=address).count() >= settings.LOGIN_FAILURES_PER_ADDRESS:
        return f"Too many failed sign-ins from this address. Try again in {minutes} minutes."
    return None


def login_failure_record(*, username: str, address: str | None) -> None:
    """Keep the failure, and forget those too old to count."""
    since = timezone.now() - timedelta(seconds=settings.LOGIN_LOCKOUT_SECONDS)
    LoginFailure.objects.filter(failed_at__lt=since).delete()
    LoginFailure.objects.create(username=username.lower()[:150], address=address)


def login_failures_clear(*, username: str) -> None:
    """A successful sign-in wipes the account's failures (not the address's: a guesser may own one account)."""
    LoginFailure.objects.filter(username=username.lower()).delete()


class ThrottledAuthenticationForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": "Your username and password did not match. Please try again.",
    }

    def clean(self) -> dict:
        username = self.cleaned_data.get("username") or ""
        address = self.request.META.get("REMOTE_ADDR") if self.request else None
        refusal = login_refusal(username=username, address=address)
        if refusal:
            raise forms.ValidationError(refusal, code="throttled")
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            login_failure_record(username=username, address=address)
            raise
        login_failures_clear(username=username)
        return cleaned

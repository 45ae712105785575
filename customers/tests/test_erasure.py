"""Erasure on request: the person's details go everywhere in one transaction, their history stays anonymous,
the erasure is logged, and a customer with history is never deleted from the app."""

import pytest
from django.contrib.admin.sites import site
from django.test import RequestFactory
from django.urls import reverse

from customers.models import Customer, CustomerErasure, Purchase
from customers.services import ErasureRefused, customer_erase
from customers.tests.factories import CustomerFactory


@pytest.fixture
def ann(db):
    from datetime import UTC, datetime

    customer = CustomerFactory(
        external_id="ann", name="Ann", email="ann@example.com", phone="+44 7000", birth_year=1980
    )
    Customer.objects.filter(pk=customer.pk).update(consent_email=True)
    for number, revenue in enumerate((3_000, 7_000)):
        Purchase.objects.create(
            line_id=f"a{number}",
            customer=customer,
            purchased_at=datetime(2026, 6, 1 + number, tzinfo=UTC),
            channel="online",
            order_ref=f"A{number}",
            quantity=1,
            revenue_cents=revenue,
        )
    customer.refresh_from_db()
    return customer


def test_an_admin_erases_a_person_and_their_purchases_stay(client, ann, admin_user):
    revenue = sum(Purchase.objects.filter(customer=ann).values_list("revenue_cents", flat=True))
    client.force_login(admin_user)
    response = client.post(reverse("customers:erase", args=[ann.pk]), {"reason": "Request 2026-11-30 #41"})
    assert response.status_code == 302
    ann.refresh_from_db()
    assert (ann.name, ann.email, ann.phone, ann.birth_year, ann.consent_email) == ("", "", "", None, False)
    assert ann.external_id == f"erased-{ann.pk}" and ann.erased_at is not None
    assert sum(Purchase.objects.filter(customer=ann).values_list("revenue_cents", flat=True)) == revenue
    log = CustomerErasure.objects.get(customer=ann)
    assert (log.erased_by, log.reason) == (admin_user, "Request 2026-11-30 #41")
    page = client.get(reverse("customers:detail", args=[ann.pk])).content.decode()
    assert 'id="erased"' in page and "Ann" not in page


@pytest.mark.parametrize("who", ["marketer", "manager", "segment_owner"])
def test_only_an_admin_erases(request, client, ann, who):
    user = request.getfixturevalue(who)
    with pytest.raises(ErasureRefused, match="Only an admin"):
        customer_erase(customer=ann, user=user, reason="x")
    client.force_login(user)
    assert client.post(reverse("customers:erase", args=[ann.pk]), {"reason": "x"}).status_code == 403
    ann.refresh_from_db()
    assert ann.name == "Ann"


def test_an_erasure_needs_the_request_and_happens_once(ann, admin_user):
    with pytest.raises(ErasureRefused, match="Say on what request"):
        customer_erase(customer=ann, user=admin_user, reason=" ")
    customer_erase(customer=ann, user=admin_user, reason="Request")
    with pytest.raises(ErasureRefused, match="already erased"):
        customer_erase(customer=ann, user=admin_user, reason="Again")


def test_the_admin_never_deletes_a_customer(ann, admin_user):
    request = RequestFactory().get("/")
    request.user = admin_user
    assert site._registry[Customer].has_delete_permission(request, ann) is False


def test_an_erasure_takes_the_postal_address_too(ann, admin_user):
    Customer.objects.filter(pk=ann.pk).update(address="12 Mill Lane", postcode="NH1 2AB", city="Northam")
    customer_erase(customer=ann, user=admin_user, reason="Request")
    ann.refresh_from_db()
    assert (ann.address, ann.postcode, ann.city) == ("", "", "")

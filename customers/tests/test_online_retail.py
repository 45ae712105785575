"""The UCI Online Retail file, imported with its preset, holds exactly the published figures."""

from collections.abc import Iterator

import pytest
from django.db import connection

from conftest import committed_for_the_module
from customers.imports.run import import_file
from customers.models import Customer, Purchase

POSITIVE_LINES_SQL = """
    SELECT count(DISTINCT customer_id), count(*), count(DISTINCT order_ref), sum(revenue_cents)
    FROM customers_purchase WHERE quantity > 0
"""


@pytest.fixture(scope="module")
def online_retail(shared_data_once, django_db_setup, django_db_blocker) -> Iterator[dict]:
    with committed_for_the_module(django_db_blocker):
        yield import_file(kind="purchases", path=shared_data_once / "online_retail.csv.gz", preset="online_retail")


@pytest.mark.django_db
def test_it_holds_the_published_figures(online_retail):
    with connection.cursor() as cursor:
        cursor.execute(POSITIVE_LINES_SQL)
        customers, lines, invoices, revenue_cents = cursor.fetchone()
    assert (customers, lines, invoices) == (4_339, 397_924, 18_536)
    assert revenue_cents == 891_140_790  # 8,911,407.90
    assert Customer.objects.count() == 4_372  # every CustomerID in the file, returns-only customers too


@pytest.mark.django_db
def test_lines_without_a_customer_are_skipped_and_counted(online_retail):
    purchases = online_retail["steps"][1]
    assert purchases["skipped"] == {"lines without a CustomerID": 135_080}
    assert purchases["loaded"] == 541_909 - 135_080
    assert Purchase.objects.filter(order_ref__startswith="C", quantity__lt=0).exists()
    assert not Purchase.objects.filter(order_ref__startswith="C", quantity__gt=0).exists()


@pytest.mark.django_db
def test_importing_it_again_changes_nothing(online_retail, shared_data):
    fingerprint = (
        "SELECT md5(string_agg(line_id || revenue_cents || customer_id, ',' ORDER BY line_id)) FROM customers_purchase"
    )
    with connection.cursor() as cursor:
        cursor.execute(fingerprint)
        before = cursor.fetchone()[0]
        again = import_file(kind="purchases", path=shared_data / "online_retail.csv.gz", preset="online_retail")
        cursor.execute(fingerprint)
        assert cursor.fetchone()[0] == before
    assert again["steps"][0]["new"] == 0 and again["steps"][1]["new"] == 0

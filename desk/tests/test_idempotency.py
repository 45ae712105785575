"""A creating form sent twice makes one object, even when both sendings arrive at the same moment."""

import re
import threading

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from campaigns.models import Campaign
from segments.models import LifecycleStage, Portfolio


def campaign_form(client, portfolio) -> dict:
    page = client.get(reverse("campaigns:new")).content.decode()
    key = re.search(r'name="form_key" value="([0-9a-f]{32})"', page).group(1)
    return {
        "form_key": key,
        "name": "Winter warmer",
        "portfolio": portfolio.pk,
        "objective": "traffic",
        "start_date": "2026-12-07",
        "end_date": "2026-12-24",
        "description": "",
        "control_design": "per_treatment",
        "shared_control_share": "10",
        "p_adjustment": "none",
        "mean_test": "welch",
    }


@pytest.fixture
def portfolio(db, segment_owner):
    return Portfolio.objects.create(stage=LifecycleStage.objects.get(code="new"), name="New", owner=segment_owner)


def test_a_double_click_makes_one_campaign_and_shows_it(client, marketer, portfolio):
    client.force_login(marketer)
    form = campaign_form(client, portfolio)
    first = client.post(reverse("campaigns:new"), form)
    second = client.post(reverse("campaigns:new"), form)
    assert Campaign.objects.count() == 1
    assert second["Location"] == first["Location"] == reverse("campaigns:detail", args=[Campaign.objects.get().pk])


def test_a_form_sent_with_errors_can_be_sent_again_corrected(client, marketer, portfolio):
    client.force_login(marketer)
    form = campaign_form(client, portfolio)
    assert client.post(reverse("campaigns:new"), {**form, "name": ""}).status_code == 200
    assert client.post(reverse("campaigns:new"), form).status_code == 302
    assert Campaign.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_sendings_at_the_same_moment_make_one_campaign(marketer, segment_owner):
    portfolio = Portfolio.objects.create(stage=LifecycleStage.objects.get(code="new"), name="New", owner=segment_owner)
    clients = [Client(), Client()]
    for client in clients:
        client.force_login(marketer)
    form = campaign_form(clients[0], portfolio)
    barrier, statuses = threading.Barrier(2), []

    def send(client: Client) -> None:
        try:
            barrier.wait()
            statuses.append(client.post(reverse("campaigns:new"), form).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [302, 302]
    assert Campaign.objects.filter(name="Winter warmer").count() == 1

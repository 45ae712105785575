"""The segment grid: sorted and filtered on the server, the edit key offered only to who may change a segment."""

import pytest
from django.urls import reverse

from segments.models import Segment

pytestmark = pytest.mark.django_db


@pytest.fixture
def segments(marketer, manager):
    Segment.objects.create(name="Recent buyers", owner=marketer, rules={"all": []}, size=1200)
    Segment.objects.create(name="Lapsed", owner=manager, rules={"all": []}, size=300, description="Gone a year")


def rows(client, **params) -> list[dict]:
    response = client.get(reverse("segments:rows"), params)
    assert response.status_code == 200, response.content
    return response.json()["data"]


def test_it_sorts_and_filters_segments(client, marketer, segments):
    client.force_login(marketer)
    assert [row["name"] for row in rows(client)] == ["Lapsed", "Recent buyers"]
    assert [row["name"] for row in rows(client, sort="-size")] == ["Recent buyers", "Lapsed"]
    assert [row["name"] for row in rows(client, **{"filter.description": "year"})] == ["Lapsed"]
    assert client.get(reverse("segments:rows"), {"sort": "rules"}).status_code == 400


def test_only_the_owner_or_a_manager_gets_the_edit_key(client, marketer, segment_owner, segments):
    client.force_login(marketer)
    assert {row["name"]: bool(row["edit_url"]) for row in rows(client)} == {"Lapsed": False, "Recent buyers": True}
    client.force_login(segment_owner)
    assert not any(row["edit_url"] for row in rows(client))

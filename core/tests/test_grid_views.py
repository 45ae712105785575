"""Saved views of a list belong to the user who saved them: nobody else lists, reads or deletes them."""

import json

import pytest
from django.urls import reverse

from core.models import GridView

pytestmark = pytest.mark.django_db

STATE = {
    "columns": [{"field": "name", "visible": True, "width": 200}, {"field": "owner", "visible": False, "width": None}],
    "sort": [{"field": "name", "dir": "desc"}],
    "filters": [{"field": "status", "value": "draft"}],
    "size": 50,
}


def save(client, name: str, state=STATE, grid: str = "campaigns"):
    return client.post(
        reverse("grid_views", args=[grid]), json.dumps({"name": name, "state": state}), content_type="application/json"
    )


def views(client, grid: str = "campaigns") -> list[dict]:
    return client.get(reverse("grid_views", args=[grid])).json()["views"]


def test_it_keeps_a_view_and_gives_it_back(client, marketer):
    client.force_login(marketer)
    assert save(client, "My drafts").status_code == 200
    [view] = views(client)
    assert view["name"] == "My drafts" and view["state"] == STATE
    assert views(client, grid="jobs") == []


def test_saving_under_the_same_name_replaces_the_view(client, marketer):
    client.force_login(marketer)
    save(client, "Mine")
    save(client, "Mine", state={**STATE, "sort": []})
    [view] = views(client)
    assert view["state"]["sort"] == []


def test_another_user_never_sees_or_deletes_my_views(client, marketer, manager):
    client.force_login(marketer)
    save(client, "Mine")
    mine = GridView.objects.get()
    client.force_login(manager)
    assert views(client) == []
    response = client.post(reverse("grid_view_delete", args=["campaigns", mine.pk]))
    assert response.status_code == 404 and GridView.objects.filter(pk=mine.pk).exists()
    save(client, "Mine")  # the same name is theirs to use too
    client.force_login(marketer)
    assert [view["name"] for view in views(client)] == ["Mine"]
    assert client.post(reverse("grid_view_delete", args=["campaigns", mine.pk])).status_code == 200
    assert views(client) == [] and GridView.objects.count() == 1


@pytest.mark.parametrize(
    "state",
    [
        "columns",
        {"columns": "name"},
        {"sort": [{"field": "name", "dir": "sideways"}]},
        {"filters": [{"field": "status", "value": 3}]},
        {"filters": [{"field": "status", "value": "x", "sql": "1"}]},
        {"secret": 1},
        {"columns": [{"field": "name", "visible": True}] * 61},
    ],
)
def test_it_refuses_a_view_of_an_unexpected_shape(client, marketer, state):
    client.force_login(marketer)
    response = save(client, "Odd", state=state)
    assert response.status_code == 400 and response.json()["error"]
    assert not GridView.objects.exists()


def test_it_refuses_a_view_without_a_name_or_of_no_list(client, marketer):
    client.force_login(marketer)
    assert save(client, "  ").status_code == 400
    assert save(client, "Fine", grid="Not-A-List").status_code in {400, 404}
    assert not GridView.objects.exists()


def test_views_are_for_people_with_a_role(client, outsider):
    client.force_login(outsider)
    assert client.get(reverse("grid_views", args=["campaigns"])).status_code == 403
    assert save(client, "Mine").status_code == 403


def test_a_list_keeps_a_bounded_number_of_views(client, marketer):
    client.force_login(marketer)
    GridView.objects.bulk_create(GridView(user=marketer, grid="campaigns", name=f"View {n}") for n in range(30))
    response = save(client, "One more")
    assert response.status_code == 400 and "at most 30" in response.json()["error"]
    assert save(client, "View 3").status_code == 200  # replacing one is always possible

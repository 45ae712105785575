"""The campaign list's grid: sorted by start date unless asked otherwise, filtered by status, portfolio, channel
and quarter, paged by the server, and refusing to sort or filter by anything it does not show."""

from datetime import date

import pytest
from django.urls import reverse

from campaigns.models import Campaign, Treatment
from segments.models import LifecycleStage, Portfolio

pytestmark = pytest.mark.django_db


@pytest.fixture
def campaigns(make_campaign, portfolio, segment_owner):
    lapsed = Portfolio.objects.create(
        stage=LifecycleStage.objects.get(code="lapsed"), name="Lapsed", owner=segment_owner
    )
    summer = make_campaign("Summer sale")
    autumn = make_campaign("Autumn mailing", treatments=[{"channel": "direct_mail"}])
    winter = make_campaign("Winter comeback", treatments=[{"channel": "sms", "also_channels": ["email"]}])
    Campaign.objects.filter(pk=autumn.pk).update(
        start_date=date(2026, 10, 5), end_date=date(2026, 10, 30), year=2026, quarter=4, status="submitted"
    )
    Campaign.objects.filter(pk=winter.pk).update(
        start_date=date(2026, 12, 1), end_date=date(2026, 12, 20), year=2026, quarter=4, portfolio=lapsed
    )
    return {"summer": summer, "autumn": autumn, "winter": winter, "lapsed": lapsed}


def rows(client, **params) -> dict:
    response = client.get(reverse("campaigns:rows"), params)
    assert response.status_code == 200, response.content
    return response.json()


def names(answer: dict) -> list[str]:
    return [row["name"] for row in answer["data"]]


def test_it_lists_campaigns_by_start_date_unless_sorted_otherwise(client, marketer, campaigns):
    client.force_login(marketer)
    assert names(rows(client)) == ["Winter comeback", "Autumn mailing", "Summer sale"]
    assert names(rows(client, sort="-name")) == ["Winter comeback", "Summer sale", "Autumn mailing"]


def test_it_filters_by_status_portfolio_channel_and_quarter(client, marketer, campaigns):
    client.force_login(marketer)
    assert names(rows(client, **{"filter.status": "submitted"})) == ["Autumn mailing"]
    assert names(rows(client, **{"filter.portfolio": str(campaigns["lapsed"].pk)})) == ["Winter comeback"]
    assert names(rows(client, **{"filter.channels": "email"})) == ["Winter comeback", "Summer sale"]
    assert names(rows(client, **{"filter.channels": "direct_mail"})) == ["Autumn mailing"]
    assert names(rows(client, **{"filter.quarter": "2026-4"})) == ["Winter comeback", "Autumn mailing"]
    assert names(rows(client, **{"filter.name": "WINTER"})) == ["Winter comeback"]


def test_it_shows_labels_money_and_the_edit_link_only_to_who_may_edit(
    client, marketer, manager, segment_owner, campaigns
):
    client.force_login(marketer)
    winter = next(row for row in rows(client)["data"] if row["name"] == "Winter comeback")
    assert winter["channels"] == "E-mail, SMS" and winter["treatments"] == 1
    Treatment.objects.create(campaign=campaigns["winter"], code="B", segment=Treatment.objects.first().segment)
    winter = next(row for row in rows(client, sort="-treatments")["data"] if row["name"] == "Winter comeback")
    assert winter["treatments"] == 2 and rows(client, sort="-treatments")["data"][0]["name"] == "Winter comeback"
    assert winter["status"] == "Draft" and winter["quarter"] == "2026 Q4"
    assert winter["edit_url"] == reverse("campaigns:edit", args=[campaigns["winter"].pk])
    submitted = next(row for row in rows(client)["data"] if row["name"] == "Autumn mailing")
    assert submitted["edit_url"] is None  # no longer a draft
    client.force_login(segment_owner)
    assert all(row["edit_url"] is None for row in rows(client)["data"])
    client.force_login(manager)
    assert sum(row["edit_url"] is not None for row in rows(client)["data"]) == 2


def test_it_pages_on_the_server(client, marketer, make_campaign):
    for number in range(30):
        make_campaign(f"Campaign {number:02}")
    client.force_login(marketer)
    first, second = rows(client, size=25, sort="name"), rows(client, size=25, page=2, sort="name")
    assert first["count"] == 30 and first["last_page"] == 2 and first["count_exact"]
    assert names(first)[0] == "Campaign 00" and names(second) == [f"Campaign {n}" for n in range(25, 30)]
    # The last page counts the rows it ends with; a page past the end, or a filter, still counts every row.
    assert (second["count"], second["last_page"], second["count_exact"]) == (30, 2, True)
    beyond = rows(client, size=25, page=3, sort="name")
    assert (beyond["data"], beyond["count"], beyond["last_page"]) == ([], 30, 2)
    filtered = rows(client, size=25, sort="name", **{"filter.name": "Campaign 1"})
    assert (filtered["count"], filtered["last_page"]) == (10, 1)
    assert (rows(client, size=25, **{"filter.name": "nothing"})["count"]) == 0


@pytest.mark.parametrize(
    "params",
    [
        {"sort": "seed"},
        {"sort": "channels"},
        {"filter.approval_comment": "x"},
        {"filter.status": "lost"},
        {"filter.quarter": "2026-4; DROP TABLE"},
        {"filter.start_date": "2026"},
        {"size": "100000"},
        {"page": "0"},
    ],
)
def test_it_refuses_what_the_list_does_not_show(client, marketer, campaigns, params):
    client.force_login(marketer)
    response = client.get(reverse("campaigns:rows"), params)
    assert response.status_code == 400 and response.json()["error"]


def test_the_page_shows_the_first_page_before_any_script_runs(client, marketer, campaigns):
    client.force_login(marketer)
    page = client.get(reverse("campaigns:list")).content.decode()
    assert page.index("Winter comeback") < page.index("Autumn mailing") < page.index("Summer sale")
    assert 'data-grid="campaigns"' in page and "3 rows" in page


def test_the_rows_are_only_for_people_with_a_role(client, outsider, campaigns):
    client.force_login(outsider)
    assert client.get(reverse("campaigns:rows")).status_code == 403
    assert Treatment.objects.count() == 3

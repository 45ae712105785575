"""The portfolio and results lists as grids: every row in the page, money in cents for the browser to format,
labels as words, and the edit key only for who may change a portfolio."""

import json
import re

import pytest
from django.urls import reverse

from campaigns.models import Campaign
from reporting.models import CampaignResult
from reporting.tests.test_portfolio import TOTALS

pytestmark = pytest.mark.django_db


def grid_rows(page: str, name: str) -> list[dict]:
    island = re.search(rf'<script id="{name}-grid-rows" type="application/json">(.*?)</script>', page, re.S)
    return json.loads(island.group(1))


def test_the_portfolio_grid_carries_every_portfolio_and_the_edit_key_for_managers(client, portfolio, manager):
    client.force_login(portfolio.owner)
    [row] = grid_rows(client.get(reverse("reporting:portfolios")).content.decode(), "portfolios")
    assert (row["name"], row["stage"], row["edit_url"]) == ("New customers", "New", None)
    assert row["objectives"] == ["None set"]
    client.force_login(manager)
    [row] = grid_rows(client.get(reverse("reporting:portfolios")).content.decode(), "portfolios")
    assert row["edit_url"] == reverse("segments:portfolio_edit", args=[portfolio.pk])


def test_the_results_grid_shows_measured_campaigns_in_words(client, make_campaign, marketer):
    campaign = make_campaign(name="Spring")
    Campaign.objects.filter(pk=campaign.pk).update(status=Campaign.Status.MEASURING)
    CampaignResult.objects.create(campaign=campaign, version=1, payload={"totals": {**TOTALS, "treatment": 10}})
    make_campaign(name="Still a draft")
    client.force_login(marketer)
    page = client.get(reverse("campaigns:results_list")).content.decode()
    [row] = grid_rows(page, "results")
    assert (row["name"], row["status"], row["quarter"], row["treated"]) == ("Spring", "Measuring", "2026 Q3", 10)
    assert row["url"] == reverse("campaigns:results", args=[campaign.pk])
    assert "Still a draft" not in page


def test_the_results_grid_shows_each_campaigns_newest_finished_run(client, make_campaign, marketer):
    measured, unmeasured = make_campaign(name="Spring"), make_campaign(name="Released, not measured")
    Campaign.objects.filter(pk__in=[measured.pk, unmeasured.pk]).update(status=Campaign.Status.RELEASED)
    CampaignResult.objects.create(campaign=measured, version=1, payload={"totals": {**TOTALS, "treatment": 10}})
    CampaignResult.objects.create(campaign=measured, version=2, payload={"totals": {**TOTALS, "treatment": 12}})
    CampaignResult.objects.create(campaign=measured, version=3, payload=None)  # still computing
    client.force_login(marketer)
    rows = {
        row["name"]: row for row in grid_rows(client.get(reverse("campaigns:results_list")).content.decode(), "results")
    }
    assert (rows["Spring"]["treated"], rows["Spring"]["status"]) == (12, "Released")
    assert rows["Spring"]["measured_at"] != ""
    assert (rows["Released, not measured"]["treated"], rows["Released, not measured"]["measured_at"]) == (None, "")

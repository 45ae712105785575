"""The demo retailer tells one consistent story: nobody is contacted or buys before signing up, campaigns happen
in order and in their quarter, the people named in it can sign in, and its results are in believable ranges."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection

from campaigns.models import AudienceMember, Campaign, ContactHistory
from core.lib.days import day_end
from core.lib.quarters import quarter_of
from customers.models import Customer, Purchase
from desk.tests.conftest import DEMO_END
from reporting.selectors import latest_result
from segments.models import LifecycleStage, Portfolio

pytestmark = pytest.mark.django_db

SENT = [Campaign.Status.RELEASED, Campaign.Status.MEASURING, Campaign.Status.CLOSED]


def rows(statement: str, params: dict | None = None) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(statement, {"zone": settings.TIME_ZONE, **(params or {})})
        return cursor.fetchall()


def test_nobody_is_contacted_before_signing_up(demo):
    early = rows(
        f"""
        SELECT h.customer_id, cu.signup_date, h.contacted_at FROM {ContactHistory._meta.db_table} h
        JOIN {Customer._meta.db_table} cu ON cu.id = h.customer_id
        WHERE (h.contacted_at AT TIME ZONE %(zone)s)::date < cu.signup_date LIMIT 5
        """
    )
    assert early == []
    assert ContactHistory.objects.exists()


def test_no_audience_holds_a_customer_who_signed_up_after_it_was_sent(demo):
    early = rows(
        f"""
        SELECT c.name, count(*) FROM {AudienceMember._meta.db_table} m
        JOIN {Customer._meta.db_table} cu ON cu.id = m.customer_id
        JOIN {Campaign._meta.db_table} c ON c.id = m.campaign_id
        WHERE cu.signup_date > coalesce(m.contacted_on, c.start_date) GROUP BY c.name
        """
    )
    assert early == []


def test_nobody_buys_before_signing_up(demo):
    early = rows(
        f"""
        SELECT count(*) FROM {Purchase._meta.db_table} p JOIN {Customer._meta.db_table} cu ON cu.id = p.customer_id
        WHERE (p.purchased_at AT TIME ZONE %(zone)s)::date < cu.signup_date
        """
    )
    assert early == [(0,)]


def test_campaigns_for_customers_who_bought_reach_only_customers_who_had_bought(demo):
    """Every portfolio but the new customers' is about customers who bought: a win-back or reactivation letter to
    someone who never bought before it went out contradicts itself."""
    never_bought = rows(
        f"""
        SELECT c.name, count(*) FROM {AudienceMember._meta.db_table} m
        JOIN {Campaign._meta.db_table} c ON c.id = m.campaign_id
        JOIN {Portfolio._meta.db_table} p ON p.id = c.portfolio_id
        JOIN {LifecycleStage._meta.db_table} s ON s.id = p.stage_id
        WHERE s.code <> 'new' AND c.status = ANY(%(sent)s) AND NOT EXISTS (
            SELECT 1 FROM {Purchase._meta.db_table} b
            WHERE b.customer_id = m.customer_id AND b.quantity > 0
              AND (b.purchased_at AT TIME ZONE %(zone)s)::date < m.contacted_on
        )
        GROUP BY c.name
        """,
        {"sent": SENT},
    )
    assert never_bought == []


def test_every_campaign_runs_within_its_quarter(demo):
    for campaign in Campaign.objects.all():
        assert quarter_of(campaign.start_date) == quarter_of(campaign.end_date) == (campaign.year, campaign.quarter), (
            campaign.name
        )


def test_past_campaigns_were_approved_before_they_started_and_logged_as_they_went(demo):
    history_end = day_end(DEMO_END)
    sent = Campaign.objects.filter(status__in=SENT)
    assert sent.count() >= 10
    for campaign in sent:
        start = day_end(campaign.start_date) - timedelta(days=1)
        assert campaign.created_at < campaign.approved_at < start, campaign.name
        assert start <= campaign.released_at < start + timedelta(days=1), campaign.name
        assert all(build.built_at < campaign.released_at for build in campaign.builds.all()), campaign.name
        log = list(campaign.history.order_by("history_id").values_list("history_date", "status", "history_user"))
        dates = [moment for moment, *_ in log]
        assert dates == sorted(dates) and dates[-1] < history_end, (campaign.name, log)
        assert [status for _, status, _ in log][:5] == ["draft", "submitted", "approved", "audience_built", "released"]
        approval = next(moment for moment, status, _ in log if status == "approved")
        assert approval == campaign.approved_at, campaign.name
        assert next(user for _, status, user in log if status == "approved") == campaign.approved_by_id
        assert all(record.history_date < start for record in campaign.treatments.first().history.all())


def test_next_quarters_plan_was_made_in_the_weeks_before_the_history_ends(demo):
    history_end = day_end(DEMO_END)
    planned = Campaign.objects.filter(start_date__gt=DEMO_END)
    assert planned.exists()
    for campaign in planned:
        moments = [campaign.created_at, *campaign.history.values_list("history_date", flat=True)]
        if campaign.approved_at:
            moments.append(campaign.approved_at)
        assert all(history_end - timedelta(days=21) < moment < history_end for moment in moments), campaign.name


def test_everyone_the_demo_names_can_sign_in(demo):
    named = set(Portfolio.objects.values_list("owner", flat=True))
    named |= set(Campaign.objects.values_list("owner", flat=True)) | set(
        Campaign.objects.exclude(approved_by=None).values_list("approved_by", flat=True)
    )
    for user in get_user_model().objects.filter(pk__in=named):
        assert user.is_active and user.has_usable_password(), user.username
        assert user.groups.exists(), user.username


def test_measured_results_are_in_believable_ranges(demo):
    """A campaign that changed nothing loses what it cost, give or take chance; none returns a hundred times its
    cost or loses thirty times it, as one would whose costs were pennies beside the noise in what customers spend.
    The smallest cells of this small retailer are noisy, so each ROI's 95% interval must admit a plausible one
    (-100% to +400%), and no ROI may pass 1,000% either way."""
    implausible = []
    for campaign in Campaign.objects.filter(status__in=SENT):
        payload = latest_result(campaign).payload
        totals = payload["totals"]
        if totals["roi"] is not None and not (
            -10 <= totals["roi"] <= 10 and totals["roi_low"] <= 4 and totals["roi_high"] >= -1
        ):
            implausible.append((campaign.name, "ROI", totals["roi_low"], totals["roi"], totals["roi_high"]))
        for treatment in payload["treatments"]:
            for cell in ("treatment", "control"):
                rate, members = treatment[cell]["response_rate"], treatment[cell]["members"]
                # A rate near nothing is believable in a cell of a few dozen, not of hundreds.
                if not (0.001 if members >= 200 else 0) <= rate <= 0.8:
                    implausible.append((campaign.name, treatment["code"], cell, rate, members))
            lift = treatment["response_rate"]
            if abs(lift["difference"]) > 0.15 or not lift["p_value"] > 0:
                implausible.append((campaign.name, treatment["code"], "lift", lift))
    assert implausible == [], "\n".join(str(row) for row in implausible)

"""Campaign results on hand-made cases: every metric worked out by hand."""

import pytest
from django.db import OperationalError
from django.utils import timezone
from scipy import stats

from campaigns.models import Campaign, Treatment
from campaigns.services.workflow import CampaignError
from core.models import Job
from customers.imports.run import import_file
from reporting.selectors import latest_result
from reporting.services import results_run, results_version_reserve

CUSTOMERS = "external_id,name\na,A\nb,B\nc,C\nd,D\ne,E\nf,F\n"
# a, b, c, d treated and e, f control, contacted on 2026-03-02; the window is 30 days.
CONTACTS = "customer_id,campaign,treatment,cell,contacted_at,cost_per_contact\n" + "".join(
    f"{name},Spring,A,{cell},2026-03-02 09:00:00,0.10\n"
    for name, cell in zip("abcdef", ["treatment"] * 4 + ["control"] * 2, strict=True)
)
PURCHASES = (
    "line_id,customer_id,purchased_at,quantity,revenue,order_ref,category,offer_code\n"
    "1,a,2026-03-04 10:00:00,1,20.00,A1,FOOD,\n"  # a responds: 20.00, margin 5.00
    "2,b,2026-03-10 10:00:00,1,10.00,B1,FOOD,SAVE\n"  # b responds with the offer
    "3,b,2026-03-20 10:00:00,1,10.00,B2,FOOD,\n"  # b's second order
    "4,b,2026-03-21 10:00:00,-1,-2.00,B3,FOOD,\n"  # and a return: net 18.00, margin 4.50
    "5,c,2026-04-05 10:00:00,1,50.00,C1,FOOD,\n"  # c buys after the window: no response
    "6,d,2026-02-20 10:00:00,1,50.00,D1,FOOD,\n"  # d buys before the contact: no response
    "7,e,2026-03-03 10:00:00,1,8.00,E1,FOOD,\n"  # e (control) responds: 8.00, margin 2.00
)


@pytest.fixture
def spring(db, tmp_path) -> Campaign:
    files = {
        "categories": "code,name,margin_rate\nFOOD,Food,0.25\n",
        "customers": CUSTOMERS,
        "contacts": CONTACTS,
        "purchases": PURCHASES,
    }
    for kind, text in files.items():
        path = tmp_path / f"{kind}.csv"
        path.write_text(text)
        import_file(kind=kind, path=path)
    campaign = Campaign.objects.get(name="Spring")
    Treatment.objects.filter(campaign=campaign).update(response_offer_code="SAVE", cost_per_redemption_cents=100)
    return campaign


def test_every_metric_of_a_hand_made_campaign(spring):
    row = results_run(campaign=spring).payload["treatments"][0]
    treated, control = row["treatment"], row["control"]
    assert treated == {
        "members": 4,
        "responders": 2,
        "orders": 3,
        "revenue_cents": 3_800,
        "margin_cents": 950,
        "redemptions": 1,
        "events": 0,
        "margin_unknown_revenue_cents": 0,
        "offer_cost_cents": 100,  # one redemption at 1.00
        "orders_per_member": 0.75,
        "events_per_member": 0.0,
        "revenue_cents_per_member": 950.0,
        "margin_cents_per_member": 237.5,
        "response_rate": 0.5,
    }
    assert control == {
        "members": 2,
        "responders": 1,
        "orders": 1,
        "revenue_cents": 800,
        "margin_cents": 200,
        "redemptions": 0,
        "events": 0,
        "margin_unknown_revenue_cents": 0,
        "offer_cost_cents": 0,
        "orders_per_member": 0.5,
        "events_per_member": 0.0,
        "revenue_cents_per_member": 400.0,
        "margin_cents_per_member": 100.0,
        "response_rate": 0.5,
    }
    assert row["response_rate"]["difference"] == 0.0
    assert row["response_rate"]["p_value"] == pytest.approx(1.0)
    assert row["revenue_per_member"]["difference"] == 550.0
    assert row["margin_per_member"]["difference"] == 137.5
    welch = stats.ttest_ind([500, 450, 0, 0], [200, 0], equal_var=False)
    assert row["margin_per_member"]["p_value"] == pytest.approx(welch.pvalue)
    interval = welch.confidence_interval(0.95)
    assert (row["margin_per_member"]["low"], row["margin_per_member"]["high"]) == pytest.approx(
        (interval.low, interval.high)
    )
    orders = stats.ttest_ind([1, 2, 0, 0], [1, 0], equal_var=False)  # orders of a, b, c, d against e, f
    assert row["orders_per_member"]["difference"] == 0.25
    assert row["orders_per_member"]["p_value"] == pytest.approx(orders.pvalue)
    assert (row["orders_per_member"]["low"], row["orders_per_member"]["high"]) == pytest.approx(
        tuple(orders.confidence_interval(0.95))
    )
    assert row["incremental_responders"] == 0.0
    assert row["incremental_revenue_cents"] == 2_200.0  # 550 per member for 4 treated members
    assert row["incremental_margin_cents"] == 550.0
    assert (row["contact_cost_cents"], row["offer_cost_cents"]) == (40, 100)
    assert row["net_cents"] == 410.0
    assert row["roi"] == pytest.approx(410 / 140)
    # The net P&L is as uncertain as the incremental margin over 4 members, less the 140 of known costs.
    assert (row["net_low_cents"], row["net_high_cents"]) == pytest.approx(
        (4 * interval.low - 140, 4 * interval.high - 140)
    )
    assert (row["roi_low"], row["roi_high"]) == pytest.approx(
        ((4 * interval.low - 140) / 140, (4 * interval.high - 140) / 140)
    )
    # Cumulative response: a on day 2, b on day 8, out of four treated; e on day 1, out of two controls.
    assert row["cumulative"]["treatment"][:9] == [0, 0, 0.25, 0.25, 0.25, 0.25, 0.25, 0.25, 0.5]
    assert row["cumulative"]["control"][:2] == [0, 0.5]


def test_a_response_can_be_a_purchase_in_a_category_or_with_the_offer_code(spring):
    Treatment.objects.filter(campaign=spring).update(response_kind="offer_code")
    row = results_run(campaign=spring).payload["treatments"][0]
    assert (row["treatment"]["responders"], row["control"]["responders"]) == (1, 0)
    # Who responded depends on the definition; the money is every purchase in the window all the same.
    assert (row["treatment"]["revenue_cents"], row["treatment"]["margin_cents"]) == (3_800, 950)


def test_a_response_by_engagement_event_still_counts_the_money_spent(spring, tmp_path):
    events = tmp_path / "events.csv"
    events.write_text(
        "event_id,customer_id,occurred_at,kind\n"
        "E1,c,2026-03-05 08:00:00,email_click\n"  # c clicks, and buys only after the window
        "E2,f,2026-03-06 08:00:00,email_click\n"  # f (control) clicks
        "E4,c,2026-03-07 08:00:00,email_click\n"  # c clicks again: one responder, two events
        "E3,a,2026-03-06 08:00:00,web_visit\n"  # another kind of event: no response
    )
    import_file(kind="events", path=events)
    Treatment.objects.filter(campaign=spring).update(response_kind="event", response_event_kind="email_click")
    row = results_run(campaign=spring).payload["treatments"][0]
    assert (row["treatment"]["responders"], row["control"]["responders"]) == (1, 1)
    assert (row["treatment"]["revenue_cents"], row["treatment"]["margin_cents"]) == (3_800, 950)
    assert (row["control"]["revenue_cents"], row["control"]["margin_cents"]) == (800, 200)
    assert row["treatment"]["orders"] == 3
    # The event rate: 2 clicks over 4 treated against 1 over 2 controls, compared like money per member.
    assert (row["treatment"]["events"], row["control"]["events"]) == (2, 1)
    assert row["events_per_member"]["difference"] == 0.0
    welch = stats.ttest_ind([0, 0, 2, 0], [0, 1], equal_var=False)
    assert row["events_per_member"]["p_value"] == pytest.approx(welch.pvalue)


def test_each_run_is_a_new_version_and_the_newest_is_shown(spring):
    first = results_run(campaign=spring)
    second = results_run(campaign=spring)
    assert (first.version, second.version) == (1, 2)
    assert latest_result(spring) == second


def test_a_run_that_finishes_after_a_newer_one_does_not_replace_it(spring):
    newer = []

    def a_recompute_starts_and_ends_meanwhile(percent: float, message: str = "") -> None:
        if percent == 60 and not newer:  # the older run has read the responses and is still computing
            newer.append(results_run(campaign=spring))

    older = results_run(campaign=spring, progress=a_recompute_starts_and_ends_meanwhile)
    assert older.computed_at > newer[0].computed_at  # the older run finished last
    assert (older.version, newer[0].version) == (1, 2)
    assert latest_result(spring) == newer[0]


def test_a_run_in_progress_or_failed_leaves_the_shown_results_in_place(spring, client, manager):
    shown = results_run(campaign=spring)
    in_progress = results_version_reserve(spring)

    def the_database_goes_away(percent: float, message: str = "") -> None:
        if percent == 60:
            raise OperationalError("server closed the connection unexpectedly")

    with pytest.raises(OperationalError):
        results_run(campaign=spring, progress=the_database_goes_away)
    assert in_progress.version == 2
    assert list(spring.results.values_list("version", flat=True)) == [2, 1]  # the failed run left nothing
    assert latest_result(spring) == shown
    client.force_login(manager)
    assert client.get(f"/campaigns/{spring.pk}/results/").context["result"] == shown
    [row] = client.get("/results/").context["grid"]["rows"]
    assert row["measured_at"] == timezone.localtime(shown.computed_at).strftime("%Y-%m-%d %H:%M")


def test_a_campaign_not_yet_released_has_nothing_to_measure(make_campaign):
    with pytest.raises(CampaignError, match="has not been released"):
        results_run(campaign=make_campaign())


def test_the_results_page_and_its_export(client, spring, manager):
    results_run(campaign=spring)
    client.force_login(manager)
    page = client.get(f"/campaigns/{spring.pk}/results/").content.decode()
    assert 'id="kpi-net">4.10<' in page and "chart-pnl" in page and "chart-cumulative" in page
    # Four treated and two controls prove nothing: the gain is shown, uncoloured, with its interval.
    assert '<div class="kpi-value " id="kpi-net">' in page
    assert "not significant</div>" in page.split('id="kpi-net-interval"')[1].split("</div>")[0] + "</div>"
    assert "0.0000" not in page
    lines = b"".join(client.get(f"/campaigns/{spring.pk}/results.csv").streaming_content).decode().splitlines()
    assert lines[0].startswith("breakdown,treatment,group,cell,members,responders,response_rate")
    assert lines[1].startswith("treatment,A,(imported),treatment,4,2,0.5")
    header = lines[0].split(",")
    for metric in ("rate", "orders", "revenue", "margin"):  # every metric's interval and p-value is exported
        assert {f"{metric}_ci_low", f"{metric}_ci_high", f"{metric}_p_value"} <= set(header)
    treated = dict(zip(header, lines[1].split(","), strict=True))
    assert (
        float(treated["incremental_orders_per_member"]),
        float(treated["incremental_revenue_per_member_cents"]),
    ) == (
        0.25,
        550.0,
    )
    stage_lines = [line for line in lines if line.startswith("stage,")]
    assert stage_lines[0].startswith("stage,A,(unknown),treatment,4,2,0.5")  # contacts imported without a stage


def test_results_count_the_redemptions_of_the_fixed_offer(spring):
    Treatment.objects.filter(campaign=spring).update(
        offer_strategy="fixed", offer_code="SAVE", response_offer_code="", cost_per_redemption_cents=100
    )
    row = results_run(campaign=spring).payload["treatments"][0]
    assert (row["treatment"]["redemptions"], row["offer_cost_cents"]) == (1, 100)


def test_compute_results_shows_one_progress_bar_that_follows_the_job_and_the_page_after(spring, client, manager):
    results_run(campaign=spring)
    client.force_login(manager)
    page = client.post(f"/campaigns/{spring.pk}/results/compute/", follow=True).content.decode()
    job = Job.objects.get(kind=Job.Kind.RESULTS, params__campaign_id=spring.pk)
    assert page.count("Computing the results") == 1 and "reload" not in page.lower()
    assert f'hx-get="/jobs/{job.pk}/progress/?refresh=1"' in page  # polls, and reloads the page when done
    assert 'id="kpi-net"' in page  # the shown results stay meanwhile

    Job.objects.filter(pk=job.pk).update(status="succeeded", progress=100)
    done = client.get(f"/campaigns/{spring.pk}/results/").content.decode()
    assert "Computing the results" not in done


def test_purchases_without_a_margin_count_their_revenue_and_say_the_margin_is_unknown(
    spring, tmp_path, client, manager
):
    path = tmp_path / "more.csv"
    # a buys again, on a line with neither margin nor category: 30.00 of revenue, margin unknown.
    path.write_text("line_id,customer_id,purchased_at,quantity,revenue,order_ref\n8,a,2026-03-06 10:00:00,1,30.00,A2\n")
    import_file(kind="purchases", path=path)
    result = results_run(campaign=spring)
    treated = result.payload["treatments"][0]["treatment"]
    assert (treated["revenue_cents"], treated["margin_cents"]) == (6_800, 950)  # the margin is not taken for 0
    assert treated["margin_unknown_revenue_cents"] == 3_000
    assert result.payload["totals"]["margin_unknown_share"] == pytest.approx(3_000 / 7_600)
    client.force_login(manager)
    page = client.get(f"/campaigns/{spring.pk}/results/").content.decode()
    assert "The margin of 39.5% of the revenue counted is unknown" in page

"""A champion and two challengers against one shared control group, on hand-made members: every lift, interval
and Holm-adjusted p-value is worked out here with scipy and compared with the product's."""

import csv
import math
from datetime import date

import numpy as np
import pytest
from scipy import stats

from campaigns.models import AudienceMember, Campaign, Treatment
from customers.imports.run import import_file
from customers.models import Customer
from reporting.services import results_run

# Treated members and responders per treatment; the control group has 60 members and 10 responders.
ARMS = {"A": (60, 30), "B": (60, 19), "C": (60, 14)}
CONTROL = (60, 10)


def spend(number: int) -> int:
    """What responder `number` spends, in cents: varied, so that means and variances differ by cell."""
    return 1_000 + 250 * (number % 7)


def holm(p_values: list[float]) -> list[float]:
    """Holm's step-down adjustment written out: the k-th smallest p times (m - k), kept monotone, at most 1."""
    order = np.argsort(p_values)
    adjusted, running = [0.0] * len(p_values), 0.0
    for rank, index in enumerate(order):
        running = max(running, min(1.0, (len(p_values) - rank) * p_values[index]))
        adjusted[index] = running
    return adjusted


def wald(successes: tuple[int, int], sizes: tuple[int, int]) -> tuple[float, float, float, float]:
    """Difference of two proportions, its 95% interval and two-sided p on the unpooled standard error."""
    rates = [count / size for count, size in zip(successes, sizes, strict=True)]
    error = math.sqrt(sum(rate * (1 - rate) / size for rate, size in zip(rates, sizes, strict=True)))
    difference = rates[0] - rates[1]
    z = stats.norm.ppf(0.975)
    return difference, difference - z * error, difference + z * error, 2 * stats.norm.sf(abs(difference) / error)


@pytest.fixture
def champion_and_challengers(db, tmp_path) -> tuple[Campaign, dict[str, list[int]]]:
    """The campaign, and each cell's spend per member (0 for members who did not respond)."""
    cells = {
        code: [spend(n) if n < responders else 0 for n in range(size)] for code, (size, responders) in ARMS.items()
    }
    cells["control"] = [spend(n) if n < CONTROL[1] else 0 for n in range(CONTROL[0])]
    names = [f"{cell}{n}" for cell, spends in cells.items() for n in range(len(spends))]
    customers = tmp_path / "customers.csv"
    customers.write_text("external_id,name\n" + "".join(f"{name},{name}\n" for name in names))
    import_file(kind="customers", path=customers)
    purchases = tmp_path / "purchases.csv"
    purchases.write_text(
        "line_id,customer_id,purchased_at,quantity,revenue,margin,order_ref\n"
        + "".join(
            f"{cell}{n},{cell}{n},2026-03-05 10:00:00,1,{amount / 100:.2f},{amount / 400:.2f},O{cell}{n}\n"
            for cell, spends in cells.items()
            for n, amount in enumerate(spends)
            if amount
        )
    )
    import_file(kind="purchases", path=purchases)
    campaign = Campaign.objects.create(
        name="Spring test",
        year=2026,
        quarter=1,
        start_date=date(2026, 3, 2),
        end_date=date(2026, 3, 31),
        objective="conversion",
        status=Campaign.Status.MEASURING,
        seed=7,
        control_design=Campaign.ControlDesign.SHARED,
        p_adjustment=Campaign.Adjustment.HOLM,
    )
    treatments = [
        Treatment.objects.create(campaign=campaign, code=code, channel="email", message_name=code, priority=n)
        for n, code in enumerate(ARMS, start=1)
    ]
    ids = dict(Customer.objects.values_list("external_id", "id"))
    AudienceMember.objects.bulk_create(
        AudienceMember(
            campaign=campaign,
            customer_id=ids[f"{cell}{n}"],
            # Control members keep the arm they were drawn for; a third of them in each.
            treatment=treatments[n % 3] if cell == "control" else treatments["ABC".index(cell)],
            is_control=cell == "control",
            contacted_on=date(2026, 3, 2),
        )
        for cell, spends in cells.items()
        for n in range(len(spends))
    )
    return campaign, cells


def test_each_treatment_meets_the_whole_shared_control(champion_and_challengers):
    campaign, cells = champion_and_challengers
    payload = results_run(campaign=campaign).payload
    rows = {row["code"]: row for row in payload["treatments"]}
    assert payload["totals"]["members"] == 240  # the control's 60 counted once
    assert (payload["totals"]["treatment"], payload["totals"]["control"]) == (180, 60)
    rate_p, revenue_p = [], []
    for code, (size, responders) in ARMS.items():
        row = rows[code]
        assert (row["control"]["members"], row["control"]["responders"]) == CONTROL
        difference, low, high, p_value = wald((responders, CONTROL[1]), (size, CONTROL[0]))
        rate = row["response_rate"]
        assert (rate["difference"], rate["low"], rate["high"], rate["p_value"]) == pytest.approx(
            (difference, low, high, p_value)
        )
        welch = stats.ttest_ind(cells[code], cells["control"], equal_var=False)
        revenue = row["revenue_per_member"]
        assert revenue["p_value"] == pytest.approx(welch.pvalue)
        assert (revenue["low"], revenue["high"]) == pytest.approx(tuple(welch.confidence_interval(0.95)))
        rate_p.append(p_value)
        revenue_p.append(welch.pvalue)
    assert [rows[code]["response_rate"]["p_adjusted"] for code in ARMS] == pytest.approx(holm(rate_p))
    assert [rows[code]["revenue_per_member"]["p_adjusted"] for code in ARMS] == pytest.approx(holm(revenue_p))
    # C lifts the rate by 6.7 points, p = 0.36 on its own: not significant, adjusted or not.
    assert rows["C"]["response_rate"]["p_adjusted"] > 0.05
    assert payload["methods"] == {"control": "shared", "mean_test": "welch", "adjustment": "holm", "comparisons": 3}


def test_treatments_against_one_control_compare_outright_with_holm(champion_and_challengers):
    campaign, _ = champion_and_challengers
    duels = {(duel["a"], duel["b"]): duel for duel in results_run(campaign=campaign).payload["head_to_head"]}
    expected = {
        pair: wald((ARMS[pair[0]][1], ARMS[pair[1]][1]), (ARMS[pair[0]][0], ARMS[pair[1]][0]))
        for pair in (("A", "B"), ("A", "C"), ("B", "C"))
    }
    adjusted = dict(zip(expected, holm([values[3] for values in expected.values()]), strict=True))
    for pair, (difference, low, high, p_value) in expected.items():
        duel = duels[pair]
        assert duel["outright"]
        assert (duel["difference"], duel["low"], duel["high"], duel["p_value"]) == pytest.approx(
            (difference, low, high, p_value)
        )
        assert duel["p_adjusted"] == pytest.approx(adjusted[pair])
        assert duel["winner"] == ("a" if adjusted[pair] < 0.05 else None)
    # A beats C outright (p = 0.0016, adjusted 0.0048); A against B is p = 0.038 alone but 0.075 adjusted.
    assert duels[("A", "C")]["winner"] == "a"
    assert duels[("A", "B")]["p_value"] < 0.05 < duels[("A", "B")]["p_adjusted"]
    assert duels[("A", "B")]["winner"] is None


def test_without_a_correction_each_comparison_stands_alone(champion_and_challengers):
    campaign, _ = champion_and_challengers
    Campaign.objects.filter(pk=campaign.pk).update(p_adjustment=Campaign.Adjustment.NONE)
    campaign.refresh_from_db()
    payload = results_run(campaign=campaign).payload
    duel = next(duel for duel in payload["head_to_head"] if (duel["a"], duel["b"]) == ("A", "B"))
    assert duel["p_adjusted"] is None
    assert duel["winner"] == "a"  # p = 0.038 taken alone
    assert payload["methods"]["adjustment"] == "none"


def test_the_money_test_is_a_campaign_choice(champion_and_challengers):
    campaign, cells = champion_and_challengers
    Campaign.objects.filter(pk=campaign.pk).update(mean_test=Campaign.MeanTest.STUDENT)
    campaign.refresh_from_db()
    row = results_run(campaign=campaign).payload["treatments"][0]
    student = stats.ttest_ind(cells["A"], cells["control"], equal_var=True)
    assert row["revenue_per_member"]["p_value"] == pytest.approx(student.pvalue)
    assert (row["revenue_per_member"]["low"], row["revenue_per_member"]["high"]) == pytest.approx(
        tuple(student.confidence_interval(0.95))
    )

    Campaign.objects.filter(pk=campaign.pk).update(mean_test=Campaign.MeanTest.BOOTSTRAP)
    campaign.refresh_from_db()
    first, again = (results_run(campaign=campaign).payload["treatments"][0] for _ in range(2))
    bootstrap = stats.bootstrap(
        (np.array(cells["A"], float), np.array(cells["control"], float)),
        lambda x, y, axis: x.mean(axis=axis) - y.mean(axis=axis),
        n_resamples=2000,
        method="percentile",
        rng=np.random.default_rng(0),
    )
    revenue = first["revenue_per_member"]
    # Resampling differs from scipy's own run here by chance alone: the ends agree to within a few percent.
    assert revenue["low"] == pytest.approx(bootstrap.confidence_interval.low, rel=0.15)
    assert revenue["high"] == pytest.approx(bootstrap.confidence_interval.high, rel=0.15)
    assert revenue["low"] < revenue["difference"] < revenue["high"]
    assert revenue["p_value"] < 0.01
    assert again["revenue_per_member"] == revenue  # the campaign's seed makes the resampling repeatable


def test_the_page_and_the_export_say_how_the_treatments_were_compared(champion_and_challengers, client, manager):
    campaign, _ = champion_and_challengers
    results_run(campaign=campaign)
    client.force_login(manager)
    page = client.get(f"/campaigns/{campaign.pk}/results/").content.decode()
    assert "Treatment against the shared control group" in page
    assert "adjusted by Holm&#x27;s method for the 3 treatments compared with control" in page
    assert "Welch&#x27;s t-test" in page
    assert "randomised over the same customers against one control" in page
    assert "(Holm 0.08)" in page  # A against B, p = 0.04: significant alone, not once adjusted
    assert "Any purchase within 30 days of contact" in page
    export = client.get(f"/campaigns/{campaign.pk}/results.csv")
    lines = list(csv.reader(b"".join(export.streaming_content).decode().splitlines()))
    header = lines[0]
    first = dict(zip(header, lines[1], strict=True))
    assert "rate_p_holm" in header and "revenue_p_holm" in header
    assert float(first["rate_p_holm"]) > float(first["rate_p_value"])


def test_control_rows_without_a_treatment_make_one_shared_control_group(db, tmp_path):
    """Two mailed versions and one holdout shared by both, as a multi-arm e-mail test is published."""
    people = [f"P{n}" for n in range(12)]
    (tmp_path / "customers.csv").write_text("external_id,name\n" + "".join(f"{p},{p}\n" for p in people))
    import_file(kind="customers", path=tmp_path / "customers.csv")
    cells = ["Mens,treatment"] * 4 + ["Womens,treatment"] * 4 + [",control"] * 4
    path = tmp_path / "contacts.csv"
    path.write_text(
        "customer_id,campaign,treatment,cell,contacted_at\n"
        + "".join(f"{p},Email test,{cell},2026-03-02\n" for p, cell in zip(people, cells, strict=True))
    )
    import_file(kind="contacts", path=path)
    (tmp_path / "purchases.csv").write_text(
        "line_id,customer_id,purchased_at,quantity,revenue,margin,order_ref\n"
        + "".join(f"L{p},{p},2026-03-05 10:00:00,1,10.00,4.00,O{p}\n" for p in ("P0", "P1", "P2", "P4", "P8"))
    )
    import_file(kind="purchases", path=tmp_path / "purchases.csv")
    campaign = Campaign.objects.get(name="Email test")
    assert campaign.control_design == "shared"
    assert sorted(campaign.treatments.values_list("code", flat=True)) == ["Mens", "Womens"]
    rows = {row["code"]: row for row in results_run(campaign=campaign).payload["treatments"]}
    # Each version meets the whole holdout of four, one of whom bought.
    assert {code: (row["treatment"]["responders"], row["control"]["members"]) for code, row in rows.items()} == {
        "Mens": (3, 4),
        "Womens": (1, 4),
    }
    assert rows["Mens"]["response_rate"]["difference"] == pytest.approx(0.75 - 0.25)

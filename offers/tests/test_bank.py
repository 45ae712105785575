"""The offer bank: a file imports whole or not at all, exports back the same, and the grid changes caps in place."""

import csv
import io
import json
from datetime import date

import pytest
from django.urls import reverse

from customers.imports.run import import_file
from customers.models import DataImport
from offers.models import Offer

HEADER = (
    "code,name,kind,category,value,expected_redemption_rate,cost_per_redemption,valid_from,valid_until,"
    "channels,stores,max_quantity,budget_cap,active\n"
)
GOOD = HEADER + (
    "GAR15,15% off garden,percent off,GAR,15,0.08,2.50,2026-01-01,2026-12-31,e-mail;SMS,S1,500,1250.00,yes\n"
    "TWOX,Double points,points multiplier,,2,0.12,0.40,2026-03-01,2026-06-30,,,,,no\n"
)


@pytest.fixture
def references(db, tmp_path):
    for kind, text in {
        "stores": "code,name\nS1,High Street\nS2,Station\n",
        "categories": "code,name,margin_rate\nGAR,Garden,0.38\n",
    }.items():
        path = tmp_path / f"{kind}.csv"
        path.write_text(text)
        import_file(kind=kind, path=path)


def upload(client, text: str):
    file = io.BytesIO(text.encode())
    file.name = "offers.csv"
    return client.post(reverse("offers:import"), {"file": file})


def test_a_file_of_offers_imports_and_exports_back_unchanged(references, client, marketer):
    client.force_login(marketer)
    page = upload(client, GOOD)
    assert page.status_code == 200
    assert "2 new offers, 0 changed, 0 unchanged" in page.content.decode()
    garden = Offer.objects.get(code="GAR15")
    assert (garden.kind, garden.category.code, garden.value_label) == ("percent_off", "GAR", "15% off")
    assert (garden.channels, [store.code for store in garden.stores.all()]) == (["email", "sms"], ["S1"])
    assert (garden.max_quantity, garden.budget_cap_cents, garden.cost_per_redemption_cents) == (500, 125_000, 250)
    points = Offer.objects.get(code="TWOX")
    assert (points.category, points.channels, points.max_quantity, points.active) == (None, [], None, False)
    assert garden.history.first().history_change_reason == "Imported from a file"

    exported = b"".join(client.get(reverse("offers:csv")).streaming_content).decode()
    rows = list(csv.DictReader(io.StringIO(exported)))
    assert [row["code"] for row in rows] == ["GAR15", "TWOX"]
    assert rows[0]["channels"] == "email;sms" and rows[0]["budget_cap"] == "1250.00"
    # The export is a file the import reads: importing it back changes nothing.
    again = upload(client, exported)
    assert "0 new offers, 0 changed, 2 unchanged" in again.content.decode()


def test_the_bank_shows_each_offer_in_words(references, client, marketer):
    client.force_login(marketer)
    two_stores = "TWOSTORE,Two stores,amount off,,5,0.1,1.00,2026-01-01,2026-12-31,,S2;S1,,,yes\n"
    assert "3 new offers" in upload(client, GOOD + two_stores).content.decode()
    rows = {row["code"]: row for row in client.get(reverse("offers:bank")).context["rows"]}
    assert [code for code in rows] == ["GAR15", "TWOSTORE", "TWOX"]  # in the order of their codes
    garden, stores, points = rows["GAR15"], rows["TWOSTORE"], rows["TWOX"]
    assert (garden["value"], garden["category"], garden["channels"], garden["stores"]) == (
        "15% off",
        "Garden",
        "E-mail, SMS",
        "S1",
    )
    assert (garden["kind"], garden["redemption_rate"], garden["cost"], garden["budget_cap"]) == (
        "Percent off",
        8.0,
        2.5,
        1250.0,
    )
    assert (stores["value"], stores["category"], stores["stores"]) == ("5.00 off", "Whole range", "S1, S2")
    assert (points["value"], points["channels"], points["stores"], points["active"]) == (
        "2x points",
        "Every channel",
        "All stores",
        False,
    )


def test_a_bad_file_is_refused_whole_with_every_problem_listed(references, client, marketer):
    client.force_login(marketer)
    bad = HEADER + (
        "OK1,Fine,amount off,GAR,5,0.05,1.00,2026-01-01,2026-12-31,,,10,,yes\n"
        "NEG,Negative cap,amount off,GAR,5,0.05,1.00,2026-01-01,2026-12-31,,,-3,,yes\n"
        "CAT,Unknown category,gift,TOYS,3,0.05,1.00,2026-01-01,2026-12-31,,,,,yes\n"
        "END,Ends first,bogo,,0,0.05,1.00,2026-06-01,2026-05-01,fax,S9,,-1,maybe\n"
    )
    page = upload(client, bad)
    assert page.status_code == 400
    assert not Offer.objects.exists()  # the good row is not kept either
    problems = set(DataImport.objects.get().problems.values_list("row", "column", "problem"))
    assert problems == {
        (3, "max_quantity", "is negative"),
        (4, "category", "is not the code of a known category"),
        (5, "valid_until", "is before valid_from: an offer ends after it starts"),
        (5, "channels", "has a channel that is not one of email, sms, push, direct_mail, in_store, web"),
        (5, "stores", "has a store code that is not known"),
        (5, "budget_cap", "is negative"),
        (5, "active", "is not yes or no (use 1/0, true/false, yes/no)"),
    }
    text = page.content.decode()
    assert "nothing was written" in text and "is before valid_from" in text and "TOYS" in text


def offer(**fields) -> Offer:
    defaults = {"code": "TENOFF", "name": "Ten off", "kind": "amount_off", "value": 10}
    return Offer.objects.create(
        **{**defaults, "valid_from": date(2026, 1, 1), "valid_until": date(2026, 12, 31), **fields}
    )


def test_the_grid_switches_an_offer_off_and_changes_its_caps(db, client, marketer, segment_owner):
    ten = offer()
    url = reverse("offers:cell", args=[ten.pk])
    client.force_login(segment_owner)
    assert client.get(reverse("offers:bank")).status_code == 200  # everyone with a role reads the bank
    assert client.post(url, json.dumps({"field": "active", "value": False}), "application/json").status_code == 403
    client.force_login(marketer)
    page = client.get(reverse("offers:bank")).content.decode()
    assert 'data-may-change="true"' in page and '"code": "TENOFF"' in page
    answer = client.post(url, json.dumps({"field": "active", "value": False}), "application/json").json()
    assert answer["active"] is False
    answer = client.post(url, json.dumps({"field": "budget_cap_cents", "value": "99.50"}), "application/json").json()
    assert answer["budget_cap"] == 99.5
    refused = client.post(url, json.dumps({"field": "max_quantity", "value": -1}), "application/json")
    assert refused.status_code == 400 and "cannot be negative" in refused.json()["error"]
    refused = client.post(url, json.dumps({"field": "code", "value": "X"}), "application/json")
    assert refused.status_code == 400
    ten.refresh_from_db()
    assert (ten.active, ten.budget_cap_cents, ten.code) == (False, 9_950, "TENOFF")
    assert ten.history.first().history_user == marketer


def test_the_edit_page_saves_an_offer_with_its_history(db, client, marketer, segment_owner):
    client.force_login(marketer)
    form = {
        "code": "GIFT1",
        "name": "A tote bag",
        "kind": "gift",
        "value": "3.00",
        "expected_redemption_rate": "10",
        "valid_from": "2026-02-01",
        "valid_until": "2026-01-01",
        "cost_per_redemption": "3.00",
        "channels": ["email", "in_store"],
        "active": "on",
    }
    page = client.post(reverse("offers:new"), form)
    assert "An offer ends after it starts: valid until is before valid from." in page.content.decode()
    assert not Offer.objects.exists()
    page = client.post(reverse("offers:new"), {**form, "valid_until": "2026-03-31"})
    assert page.status_code == 302
    gift = Offer.objects.get(code="GIFT1")
    assert (gift.channels, gift.channel_labels, gift.value_label) == (
        ["email", "in_store"],
        "E-mail, In store",
        "a gift worth 3.00",
    )
    client.force_login(segment_owner)
    assert client.get(reverse("offers:edit", args=[gift.pk])).status_code == 200
    assert client.post(reverse("offers:edit", args=[gift.pk]), form).status_code == 403
    assert client.get(reverse("offers:new")).status_code == 403

"""Imports in Campaign Desk's own format: what a file puts in the database, and that a repeat changes nothing."""

import gzip
from datetime import UTC, datetime

import pytest

from customers.imports import loading, source
from customers.imports.problems import ImportRefused
from customers.models import Customer, EngagementEvent, Purchase, Store

PURCHASES = (
    "line_id,customer_id,purchased_at,quantity,revenue,order_ref,store,category,margin,offer_code\n"
    "L1,A1,2026-03-01 10:00:00,2,20.00,O1,S1,FOOD,,\n"
    "L2,A1,2026-03-01 10:00:00,1,5.50,O1,S1,HOME,2.00,SPRING\n"
    "L3,B2,2026-04-02T09:30:00,1,100,O2,,HOME,,\n"
    "L4,A1,2026-03-05,-1,-5.50,O3,S1,HOME,-2.00,\n"
)


def table_rows(model) -> list[tuple]:
    return sorted(model.objects.values_list(*[field.attname for field in model._meta.concrete_fields]))


def test_it_loads_stores_categories_and_customers(shop):
    ann = Customer.objects.get(external_id="A1")
    assert (ann.name, ann.home_store.code, ann.region, ann.consent_email, ann.consent_sms) == (
        "Ann Archer",
        "S1",
        "North",
        True,
        False,
    )
    assert Customer.objects.get(external_id="C3").email == ""
    assert Store.objects.get(code="S2").region == "South"


def test_it_loads_purchase_lines_in_cents_with_estimated_margins(shop, load):
    result = load("purchases", PURCHASES)
    lines = {line.line_id: line for line in Purchase.objects.all()}
    assert result["steps"][0]["loaded"] == 4
    assert lines["L1"].revenue_cents == 2000
    assert lines["L1"].margin_cents == 500  # 25% margin rate of FOOD
    assert (lines["L2"].margin_cents, lines["L2"].offer_code) == (200, "SPRING")
    assert (lines["L3"].channel, lines["L3"].store_id, lines["L3"].margin_cents) == ("online", None, 4000)
    assert lines["L1"].channel == "store"
    assert lines["L3"].purchased_at == datetime(2026, 4, 2, 9, 30, tzinfo=UTC)
    assert (lines["L4"].quantity, lines["L4"].revenue_cents) == (-1, -550)
    assert lines["L1"].customer.external_id == "A1"


def test_importing_the_same_file_twice_changes_nothing(shop, load):
    load("purchases", PURCHASES)
    before = table_rows(Purchase), table_rows(Customer)
    second = load("purchases", PURCHASES)
    assert (table_rows(Purchase), table_rows(Customer)) == before
    assert second["steps"][0]["new"] == 0


@pytest.mark.parametrize("share", [0.0, 1e9], ids=["rewrite", "upsert"])
def test_both_ways_of_merging_a_large_table_give_the_same_rows(shop, load, monkeypatch, share):
    load("purchases", PURCHASES)
    monkeypatch.setattr(loading, "REWRITE_SHARE", share)
    changed = PURCHASES.replace("L1,A1,2026-03-01 10:00:00,2,20.00", "L1,A1,2026-03-01 10:00:00,3,30.00")
    result = load("purchases", changed + "L5,C3,2026-05-01 12:00:00,1,1.00,O9,S2,FOOD,,\n")
    step = result["steps"][0]
    assert step["strategy"] == ("rewrite" if share == 0.0 else "upsert")
    assert (step["new"], step["replaced"]) == ((1, 4) if share == 0.0 else (1, 1))
    assert Purchase.objects.get(line_id="L1").revenue_cents == 3000
    assert Purchase.objects.count() == 5
    # The rewritten table keeps its primary key and indexes.
    assert Purchase.objects.filter(customer__external_id="A1").count() == 3


def test_a_partial_customer_file_changes_only_its_columns(shop, load):
    load("customers", "external_id,consent_sms\nA1,yes\nD4,no\n")
    ann = Customer.objects.get(external_id="A1")
    assert (ann.name, ann.consent_email, ann.consent_sms) == ("Ann Archer", True, True)
    newcomer = Customer.objects.get(external_id="D4")
    assert (newcomer.name, newcomer.consent_email, newcomer.topics) == ("", False, [])


def test_it_reads_gzip_semicolons_and_windows_1252(shop, load, write_file):
    text = "external_id;name;topics\nE5;Zoë Ödegaard;offers; style\n".replace("offers; style", '"offers; style"')
    path = write_file("customers.csv.gz", gzip.compress(text.encode("cp1252")))
    from customers.imports.run import import_file

    import_file(kind="customers", path=path, delimiter=";", encoding="cp1252")
    zoe = Customer.objects.get(external_id="E5")
    assert (zoe.name, zoe.topics) == ("Zoë Ödegaard", ["offers", "style"])


def test_it_loads_events(shop, load):
    load(
        "events",
        "event_id,customer_id,occurred_at,kind\nE1,A1,2026-01-01 08:00:00,web_visit\nE2,B2,2026-01-02,EMAIL_OPEN\n",
    )
    assert sorted(EngagementEvent.objects.values_list("kind", flat=True)) == ["email_open", "web_visit"]


def test_it_ignores_columns_it_does_not_know_and_says_so(shop, load):
    result = load("stores", "code,name,manager\nS3,Quay,Kim\n")
    assert result["steps"][0]["notes"] == ["Columns not used: manager."]
    assert Store.objects.filter(code="S3").exists()


def test_it_loads_store_coordinates_where_given(shop, load):
    load("stores", "code,name,latitude,longitude\nS3,Quay,51.50722,-0.12750\nS4,Pier,,\n")
    quay, pier = Store.objects.get(code="S3"), Store.objects.get(code="S4")
    assert (float(quay.latitude), float(quay.longitude)) == (51.50722, -0.1275)
    assert (pier.latitude, pier.longitude) == (None, None)


def test_one_bad_row_among_many_writes_nothing_and_names_that_row(shop, load):
    rows = [f"M{n},A1,2026-02-01 10:00:00,1,{n}.00,O{n},S1,FOOD,," for n in range(1, 3001)]
    rows[2345] = "M2346,A1,2026-02-31 10:00:00,1,1.00,O2346,S1,FOOD,,"
    header = "line_id,customer_id,purchased_at,quantity,revenue,order_ref,store,category,margin,offer_code\n"
    with pytest.raises(ImportRefused) as refused:
        load("purchases", header + "\n".join(rows) + "\n")
    problems = refused.value.problems.frame()
    assert len(problems) == 1
    assert problems.iloc[0].to_dict() == {
        "row": 2347,
        "column": "purchased_at",
        "value": "2026-02-31 10:00:00",
        "problem": "is not a date and time (use YYYY-MM-DD HH:MM:SS)",
    }
    assert Purchase.objects.count() == 0


def test_row_numbers_stay_right_across_blocks_and_after_a_ragged_row(shop, load, monkeypatch):
    monkeypatch.setattr(source, "BLOCK_BYTES", 4096)
    header = "line_id,customer_id,purchased_at,quantity,revenue,margin\n"
    rows = [f"N{n},A1,2026-02-01 10:00:00,1,1.00,0.5" for n in range(1, 2001)]
    rows[99] = "N100,A1,2026-02-01 10:00:00,1,1.00,0.5,extra"
    rows[1499] = "N1500,Z9,2026-02-01 10:00:00,1,1.00,0.5"
    with pytest.raises(ImportRefused) as refused:
        load("purchases", header + "\n".join(rows) + "\n")
    problems = refused.value.problems.frame()[["row", "column"]].values.tolist()
    assert problems == [[101, ""], [1501, "customer_id"]]


def test_a_key_repeated_in_another_block_is_reported_with_both_rows(shop, load, monkeypatch):
    monkeypatch.setattr(source, "BLOCK_BYTES", 4096)
    header = "line_id,customer_id,purchased_at,quantity,revenue,category\n"
    rows = [f"R{n},A1,2026-02-01 10:00:00,1,1.00,FOOD" for n in range(1, 1001)]
    rows[900] = "R7,A1,2026-02-01 10:00:00,1,1.00,FOOD"
    with pytest.raises(ImportRefused) as refused:
        load("purchases", header + "\n".join(rows) + "\n")
    problem = refused.value.problems.frame().iloc[0]
    assert (problem["row"], problem["value"], problem["problem"]) == (902, "R7", "repeats the line_id of row 8")
    assert Purchase.objects.count() == 0


def test_a_customer_file_may_carry_a_postal_address(shop, load):
    load("customers", 'external_id,address,postcode,city\nA1,"12 Mill Lane, flat 2",NH1 2AB,Northam\n')
    ann = Customer.objects.get(external_id="A1")
    assert (ann.address, ann.postcode, ann.city, ann.name) == (
        "12 Mill Lane, flat 2",
        "NH1 2AB",
        "Northam",
        "Ann Archer",
    )

import io
import json

import pytest
from django.urls import reverse

from core.models import Job
from core.services import job_run
from customers.models import Customer, DataImport, MonthlySales, Purchase
from customers.services import monthly_sales_refresh
from customers.tasks import import_job


@pytest.fixture
def purchases(shop, load):
    load(
        "purchases",
        "line_id,customer_id,purchased_at,quantity,revenue,category\n"
        "P1,A1,2026-01-15 10:00:00,1,12.50,FOOD\n"
        "P2,A1,2026-02-15 10:00:00,2,30.00,HOME\n"
        "P3,B2,2026-02-20 10:00:00,1,7.00,FOOD\n",
    )


def names(client, **params) -> list[str]:
    response = client.get(reverse("customers:rows"), params)
    assert response.status_code == 200, response.content
    return [row["name"] for row in response.json()["data"]]


def test_a_marketer_finds_customers_by_name_email_or_id(client, marketer, shop):
    client.force_login(marketer)
    for query in ("ann", "Archer", "ann@exa", "A1"):
        assert names(client, **{"filter.name": query}) == ["Ann Archer"], query
    assert names(client, **{"filter.external_id": "B"}) == ["Bob Baker"]


def test_filters_narrow_the_list(client, marketer, shop):
    client.force_login(marketer)
    assert names(client, **{"filter.region": "South"}) == ["Bob Baker"]
    assert set(names(client, **{"filter.consents": "email"})) == {"Ann Archer", "Cy Cooper"}
    assert names(client, **{"filter.home_store": "S1"}) == ["Ann Archer", "Cy Cooper"]
    assert client.get(reverse("customers:rows"), {"filter.home_store": "NOWHERE"}).status_code == 400
    assert client.get(reverse("customers:rows"), {"sort": "name"}).status_code == 400  # no index holds that order


def test_the_list_pages_on_the_server_and_counts_up_to_a_cap(client, marketer, shop):
    Customer.objects.bulk_create(Customer(external_id=f"Z{n:03d}", name=f"Zed {n}") for n in range(60))
    client.force_login(marketer)
    first = client.get(reverse("customers:rows"), {"size": 50}).json()
    second = client.get(reverse("customers:rows"), {"size": 50, "page": 2}).json()
    assert len(first["data"]) == 50 and len(second["data"]) == 13 and first["last_page"] >= 2
    assert not {row["id"] for row in first["data"]} & {row["id"] for row in second["data"]}
    following = client.get(reverse("customers:rows"), {"size": 50, "page": 2, "after": json.dumps(first["after"])})
    assert following.json()["data"] == second["data"]  # the next page by keyset, as by counting rows
    assert client.get(reverse("customers:rows"), {"page": 2, "after": "{'id': 1}"}).status_code == 400
    # Values of the wrong kind for the sort's columns (a word where the key is a number) are refused, not a 500.
    assert client.get(reverse("customers:rows"), {"page": 2, "after": json.dumps(["x"])}).status_code == 400
    zeds = client.get(reverse("customers:rows"), {"filter.name": "zed"}).json()
    assert (zeds["count"], zeds["count_exact"]) == (60, True)


def test_the_page_shows_the_first_customers_before_any_script_runs(client, marketer, shop):
    client.force_login(marketer)
    page = client.get(reverse("customers:list")).content.decode()
    assert "Ann Archer" in page and 'data-grid="customers"' in page


def test_a_row_names_the_home_store(client, marketer, shop):
    client.force_login(marketer)
    rows = client.get(reverse("customers:rows"), {"filter.name": "ann"}).json()["data"]
    assert [row["home_store"] for row in rows] == ["S1 High Street"]


def test_the_customer_page_shows_purchases_and_consents(client, marketer, purchases):
    client.force_login(marketer)
    ann = Customer.objects.get(external_id="A1")
    page = client.get(reverse("customers:detail", args=[ann.pk])).content.decode()
    assert 'id="customer-revenue">42.50<' in page
    assert 'id="customer-orders">2<' in page
    assert page.count("bi-check-circle-fill") == 1  # e-mail only
    assert "2026-01" in page and "2026-02" in page  # months on the chart


def test_an_admin_uploads_a_file_and_sees_its_problems(client, admin_user, shop, django_capture_on_commit_callbacks):
    client.force_login(admin_user)
    upload = io.BytesIO(b"external_id,name,email\nN1,Nia,nia@example.com\nN2,=cmd|' /C calc'!A0,x@\n")
    upload.name = "new-customers.csv"
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(
            reverse("customers:import_start"),
            {"kind": "customers", "file": upload, "delimiter": ",", "encoding": "utf-8"},
        )
    data_import = DataImport.objects.get()
    assert response["Location"] == reverse("customers:import_detail", args=[data_import.pk])
    assert len(callbacks) == 1
    job_run(data_import.job_id, import_job)  # what the worker does with the queued job

    page = client.get(response["Location"]).content.decode()
    assert "2 problems" in page and "starts like a spreadsheet formula" in page
    assert not Customer.objects.filter(external_id="N1").exists()
    report = b"".join(client.get(reverse("customers:import_problems", args=[data_import.pk])).streaming_content)
    lines = report.decode().splitlines()
    assert lines[0] == "row,column,value,problem"
    assert lines[1].startswith("3,name,'=cmd|' /C calc'!A0,")  # neutralised for spreadsheets
    assert Job.objects.get().status == "failed"


def test_a_good_upload_is_loaded(client, admin_user, shop, django_capture_on_commit_callbacks):
    client.force_login(admin_user)
    upload = io.BytesIO(b"line_id,customer_id,purchased_at,quantity,revenue,category\nU1,B2,2026-03-01,1,9.99,FOOD\n")
    upload.name = "lines.csv"
    with django_capture_on_commit_callbacks():
        client.post(
            reverse("customers:import_start"),
            {"kind": "purchases", "file": upload, "delimiter": ",", "encoding": "utf-8"},
        )
    data_import = DataImport.objects.get()
    job_run(data_import.job_id, import_job)
    assert Purchase.objects.get().revenue_cents == 999
    page = client.get(reverse("customers:import_detail", args=[data_import.pk])).content.decode()
    assert "Loaded in" in page


def test_a_preset_reads_only_its_kinds(client, admin_user):
    client.force_login(admin_user)
    upload = io.BytesIO(b"code,name\n")
    upload.name = "stores.csv"
    response = client.post(
        reverse("customers:import_start"),
        {"kind": "stores", "preset": "online_retail", "file": upload, "delimiter": ",", "encoding": "utf-8"},
    )
    assert response.status_code == 400
    assert "This preset reads customers or purchases only." in response.content.decode()


def test_only_admins_import_and_managers_may_look(client, marketer, manager, segment_owner):
    for user, page_status in ((marketer, 403), (segment_owner, 403), (manager, 200)):
        client.force_login(user)
        assert client.get(reverse("customers:imports")).status_code == page_status
        assert client.post(reverse("customers:import_start")).status_code == 403


@pytest.fixture
def unknown_margins(shop, load):
    """Ann's second line names neither a margin nor a category; all of Bob's lines lack both."""
    load(
        "purchases",
        "line_id,customer_id,purchased_at,quantity,revenue,category,margin\n"
        "U1,A1,2026-01-15 10:00:00,1,30.00,,9.00\n"
        "U2,A1,2026-01-20 10:00:00,1,10.00,,\n"
        "U3,B2,2026-02-20 10:00:00,1,7.00,,\n",
    )


def test_purchases_without_a_margin_import_with_the_margin_unknown_not_zero(unknown_margins):
    margins = dict(Purchase.objects.values_list("line_id", "margin_cents"))
    assert margins == {"U1": 900, "U2": None, "U3": None}


def test_the_customer_page_says_how_much_of_the_revenue_the_margin_covers(client, marketer, unknown_margins):
    client.force_login(marketer)
    ann = Customer.objects.get(external_id="A1")
    page = client.get(reverse("customers:detail", args=[ann.pk])).content.decode()
    assert "9.00" in page and "Known for 75.0% of revenue." in page
    assert "—" in page and "margin unknown" in page  # the line without one
    bob = Customer.objects.get(external_id="B2")
    page = client.get(reverse("customers:detail", args=[bob.pk])).content.decode()
    margin = page[page.index('id="customer-margin"') :][:400]
    assert "unknown" in margin and "0.00" not in margin


def test_the_monthly_sales_sum_the_known_margins_and_the_revenue_they_cover(unknown_margins):
    monthly_sales_refresh()
    january, february = MonthlySales.objects.order_by("month")
    assert (january.revenue_cents, january.margin_cents, january.margin_known_share) == (4_000, 900, 0.75)
    assert (february.revenue_cents, february.margin_cents) == (700, None)

"""An imported campaign says, per treatment, what counts as a response and for how many days, and its results
count responders that way: A counts wine purchases within 14 days, B e-mail clicks within 7."""

import pytest

from campaigns.models import Campaign, Treatment
from customers.imports.run import import_file
from customers.models import Category
from reporting.services import results_run

RESPONSE_COLUMNS = "response_kind,response_category,response_event_kind,response_window_days"
A = "Category,WINE,,14"
B = "engagement event,,email_click,{window}"
# Contacted on 2026-03-02: A's window closes on 03-16, B's on 03-09.
CONTACTS = f"customer_id,campaign,treatment,cell,contacted_at,{RESPONSE_COLUMNS}\n" + "".join(
    f"{name},Autumn,{code},{cell},2026-03-02 09:00:00,{definition}\n"
    for name, code, cell, definition in [
        ("a", "A", "treatment", A),
        ("b", "A", "treatment", A),
        ("c", "A", "treatment", A),
        ("d", "A", "control", A),
        ("e", "B", "treatment", B),
        ("f", "B", "treatment", B),
        ("g", "B", "treatment", B),
        ("h", "B", "control", B),
    ]
)
PURCHASES = (
    "line_id,customer_id,purchased_at,quantity,revenue,category\n"
    "1,a,2026-03-05 10:00:00,1,20.00,WINE\n"  # a responds to A
    "2,b,2026-03-05 10:00:00,1,20.00,FOOD\n"  # b buys, but not wine
    "3,c,2026-03-20 10:00:00,1,20.00,WINE\n"  # c buys wine after A's 14 days
    "4,d,2026-03-10 10:00:00,1,20.00,WINE\n"  # d (A's control) responds
    "5,g,2026-03-04 10:00:00,1,20.00,WINE\n"  # g buys wine, which B does not count
)
EVENTS = (
    "event_id,customer_id,occurred_at,kind\n"
    "E1,e,2026-03-04 10:00:00,email_click\n"  # e responds to B
    "E2,f,2026-03-11 10:00:00,email_click\n"  # f clicks on day 9: after B's 7 days
    "E3,g,2026-03-03 10:00:00,email_open\n"  # g opens, which B does not count
)


def load(tmp_path, kind: str, text: str) -> None:
    path = tmp_path / f"{kind}.csv"
    path.write_text(text)
    import_file(kind=kind, path=path)


@pytest.fixture
def autumn(db, tmp_path) -> Campaign:
    load(tmp_path, "categories", "code,name,margin_rate\nFOOD,Food,0.25\nWINE,Wine,0.4\n")
    load(tmp_path, "customers", "external_id,name\n" + "".join(f"{name},{name.upper()}\n" for name in "abcdefgh"))
    load(tmp_path, "contacts", CONTACTS.format(window=7))
    load(tmp_path, "purchases", PURCHASES)
    load(tmp_path, "events", EVENTS)
    return Campaign.objects.get(name="Autumn")


def responders(campaign: Campaign) -> dict[str, tuple[int, int]]:
    """Treated and control responders per treatment, as the results page shows them."""
    rows = results_run(campaign=campaign).payload["treatments"]
    return {row["code"]: (row["treatment"]["responders"], row["control"]["responders"]) for row in rows}


def test_each_treatment_keeps_the_response_and_window_the_file_gives(autumn):
    a, b = autumn.treatments.order_by("code")
    wine = Category.objects.get(code="WINE")
    assert (a.response_kind, a.response_category, a.response_window_days) == ("category", wine, 14)
    assert (b.response_kind, b.response_event_kind, b.response_window_days) == ("event", "email_click", 7)


def test_results_count_responders_by_each_treatments_definition_and_window(autumn):
    assert responders(autumn) == {"A": (1, 1), "B": (1, 0)}


def test_a_file_imported_again_with_a_longer_window_changes_the_treatment_and_its_history(autumn, tmp_path):
    load(tmp_path, "contacts", CONTACTS.format(window=10))
    b = Treatment.objects.get(campaign=autumn, code="B")
    assert b.response_window_days == 10
    assert b.history.first().history_change_reason == "Response definition imported"
    assert responders(autumn) == {"A": (1, 1), "B": (2, 0)}  # f's click on day 9 now counts


def test_a_file_without_response_columns_leaves_the_definitions_as_they_are(autumn, tmp_path):
    load(
        tmp_path,
        "contacts",
        "customer_id,campaign,treatment,cell,contacted_at\na,Autumn,A,treatment,2026-03-02 09:00:00\n",
    )
    a = Treatment.objects.get(campaign=autumn, code="A")
    assert (a.response_kind, a.response_window_days) == ("category", 14)

"""Bad files: each gets a clear error naming the row, column and problem, and nothing is written."""

import gzip

import pytest

from customers.imports.problems import ImportRefused
from customers.imports.run import import_file
from customers.models import Customer, Purchase, Store

SALE = "line_id,customer_id,purchased_at,quantity,revenue,category\n"

CASES = [
    ("empty file", "stores", b"", None, "", "The file is empty."),
    ("header only", "stores", "code,name,region\n", None, "", "The file has a header but no rows."),
    (
        "missing column",
        "purchases",
        "line_id,customer_id,purchased_at,quantity\nL1,A1,2026-01-01,1\n",
        1,
        "revenue",
        "Column 'revenue' is missing",
    ),
    ("wrong delimiter", "stores", "code;name;region\nS9;Quay;North\n", 1, "", "separate fields with a semicolon"),
    ("bad encoding", "customers", "external_id,name\nZ1,Zo\xeb\n".encode("latin-1"), 2, "", "is not valid UTF-8 text"),
    ("not gzip inside", "stores", b"\x1f\x8b\x08garbage that is not deflate", None, "", "cannot be read"),
    ("ragged row", "stores", "code,name\nS9,Quay,North,extra\n", 2, "", "has 4 fields but the header has 2"),
    ("repeated column", "stores", "code,name,Code\nS9,Quay,S9\n", 1, "", "names the column code more than once"),
    (
        "bad date",
        "purchases",
        SALE + "L1,A1,2026-13-45 10:00:00,1,2.00,FOOD\n",
        2,
        "purchased_at",
        "is not a date and time",
    ),
    (
        "date in the future",
        "purchases",
        SALE + "L1,A1,2999-01-01 10:00:00,1,2.00,FOOD\n",
        2,
        "purchased_at",
        "is in the future",
    ),
    (
        "negative price on a sale",
        "purchases",
        SALE + "L1,A1,2026-01-01 10:00:00,2,-3.00,FOOD\n",
        2,
        "revenue",
        "is negative on a sale",
    ),
    ("NaN", "purchases", SALE + "L1,A1,2026-01-01 10:00:00,1,NaN,FOOD\n", 2, "revenue", "is not a number"),
    ("infinity", "purchases", SALE + "L1,A1,2026-01-01 10:00:00,1,inf,FOOD\n", 2, "revenue", "is not a number"),
    (
        "fractional quantity",
        "purchases",
        SALE + "L1,A1,2026-01-01 10:00:00,1.5,2.00,FOOD\n",
        2,
        "quantity",
        "is not a whole number",
    ),
    ("zero quantity", "purchases", SALE + "L1,A1,2026-01-01 10:00:00,0,0,FOOD\n", 2, "quantity", "is zero"),
    (
        "unknown customer",
        "purchases",
        SALE + "L1,NOPE,2026-01-01 10:00:00,1,2.00,FOOD\n",
        2,
        "customer_id",
        "is not the external id of a known customer",
    ),
    (
        "unknown store",
        "customers",
        "external_id,home_store\nZ1,S99\n",
        2,
        "home_store",
        "is not the code of a known store",
    ),
    (
        "unknown category",
        "purchases",
        SALE + "L1,A1,2026-01-01 10:00:00,1,2.00,TOYS\n",
        2,
        "category",
        "is not the code of a known category",
    ),
    (
        "empty required value",
        "purchases",
        SALE + "L1,,2026-01-01 10:00:00,1,2.00,FOOD\n",
        2,
        "customer_id",
        "is empty; this column needs a value",
    ),
    (
        "duplicate id in the file",
        "customers",
        "external_id,name\nZ1,Ann\nZ2,Bob\nZ1,Cat\n",
        4,
        "external_id",
        "repeats the external_id of row 2",
    ),
    (
        "huge field",
        "customers",
        "external_id,name\nZ1," + "x" * 100_000 + "\n",
        2,
        "name",
        "is longer than 200 characters",
    ),
    (
        "formula-like text",
        "customers",
        'external_id,name\nZ1,=HYPERLINK("http://evil")\n',
        2,
        "name",
        "starts like a spreadsheet formula",
    ),
    (
        "formula after a number",
        "customers",
        "external_id,name\nZ1,-2+3+cmd|' /C calc'!A0\n",
        2,
        "name",
        "starts like a spreadsheet formula",
    ),
    ("line break in a name", "customers", 'external_id,name\nZ1,"Ann\nBee"\n', 2, "name", "keep it on one line"),
    ("bad e-mail", "customers", "external_id,email\nZ1,not-an-address\n", 2, "email", "is not an e-mail address"),
    ("bad yes or no", "customers", "external_id,consent_sms\nZ1,maybe\n", 2, "consent_sms", "is not yes or no"),
    (
        "implausible birth year",
        "customers",
        "external_id,birth_year\nZ1,1850\n",
        2,
        "birth_year",
        "is not a plausible year of birth",
    ),
    (
        "margin rate above one",
        "categories",
        "code,name,margin_rate\nX,Extra,35\n",
        2,
        "margin_rate",
        "is not between 0 and 1",
    ),
    (
        "unknown event kind",
        "events",
        "event_id,customer_id,occurred_at,kind\nE1,A1,2026-01-01,telepathy\n",
        2,
        "kind",
        "is not a known kind of event",
    ),
    (
        "store closing before opening",
        "stores",
        "code,name,opened_on,closed_on\nS9,Quay,2020-05-01,2019-01-01\n",
        2,
        "closed_on",
        "is before the opening date",
    ),
    (
        "store off the earth",
        "stores",
        "code,name,latitude,longitude\nS9,Quay,91.5,0.1\n",
        2,
        "latitude",
        "is not between -90 and 90 degrees",
    ),
    (
        "store half placed",
        "stores",
        "code,name,latitude,longitude\nS9,Quay,51.5,\n",
        2,
        "longitude",
        "needs both coordinates or neither",
    ),
    (
        "store latitude alone",
        "stores",
        "code,name,latitude\nS9,Quay,51.5\n",
        2,
        "latitude",
        "give latitude and longitude together",
    ),
]


@pytest.fixture
def counts(shop):
    return lambda: (Store.objects.count(), Customer.objects.count(), Purchase.objects.count())


@pytest.mark.parametrize(
    ("kind", "content", "row", "column", "message"), [case[1:] for case in CASES], ids=[case[0] for case in CASES]
)
def test_bad_input_is_refused_with_a_clear_error_and_nothing_written(
    write_file, counts, kind, content, row, column, message
):
    before = counts()
    path = write_file(f"{kind}.csv", content)
    with pytest.raises(ImportRefused) as refused:
        import_file(kind=kind, path=path)
    problems = refused.value.problems.frame()
    first = problems.iloc[0]
    assert message in first["problem"], problems.to_dict("records")
    assert (None if first["row"] != first["row"] or first["row"] is None else int(first["row"])) == row
    assert first["column"] == column
    assert "nothing was written" in str(refused.value)
    assert counts() == before


def test_a_file_with_many_problems_reports_every_one(write_file, counts):
    content = SALE + "".join(f"L{n},NOPE{n},2026-01-01 10:00:00,1,2.00,FOOD\n" for n in range(500))
    with pytest.raises(ImportRefused) as refused:
        import_file(kind="purchases", path=write_file("purchases.csv", content))
    assert refused.value.problems.total == 500
    assert "(499 more problems in the report)" in str(refused.value)


def test_a_gzip_file_with_a_bad_row_is_refused_too(write_file, counts):
    content = gzip.compress((SALE + "L1,A1,2026-01-01 10:00:00,1,oops,FOOD\n").encode())
    with pytest.raises(ImportRefused, match="row 2, column revenue: is not a number"):
        import_file(kind="purchases", path=write_file("purchases.csv.gz", content))


def test_checking_stops_after_the_first_thousand_problems_and_says_so(write_file, counts):
    """100,000 rows with too many fields: the check stops reading at the thousandth, in little memory, and the
    file's end (text that is not UTF-8) is never reached."""
    import tracemalloc

    rows = "".join(f"L{n},A1,2026-01-01 10:00:00,1,2.00,FOOD,surplus\n" for n in range(100_000))
    path = write_file("purchases.csv", (SALE + rows).encode() + b"L0,A1,2026-01-01,1,Zo\xeb,FOOD\n")
    before = counts()
    tracemalloc.start()
    with pytest.raises(ImportRefused) as refused:
        import_file(kind="purchases", path=path)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    problems = refused.value.problems
    assert problems.total == 1_000 and len(problems.frame()) == 1_000
    assert "Checking stopped after the first 1,000 problems" in str(refused.value)
    assert not problems.frame()["problem"].str.contains("UTF-8").any()
    assert peak < 64 << 20
    assert counts() == before

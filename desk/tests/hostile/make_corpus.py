"""Write the hostile-input corpus: import files a careless or hostile user might send, one folder per kind, and
request bodies for the forms and endpoints that take typed input (`bodies.json.gz`).

Run `python desk/tests/hostile/make_corpus.py` after changing a case; the suite checks that the files in the
repository are what this script writes. `manifest.json` says, for each file, its kind and whether it must
be imported (`accepted`) or refused with a problem list (`refused`, with words the first problem contains).
Every file expects the references that `desk/tests/test_hostile_imports.py` sets up: stores S1 and S2,
categories FOOD and HOME, customers A1, B2 and C3.
"""

import gzip
import json
import random
import shutil
from pathlib import Path

HERE = Path(__file__).parent
FILES = HERE / "files"

# One valid file per kind: the header, then good rows; the generic cases below spoil them one way each.
VALID = {
    "stores": ["code,name,region,opened_on,closed_on", "S7,Quay,West,2020-05-01,", "S8,Mill,East,,"],
    "categories": ["code,name,margin_rate", "TOYS,Toys,0.30", "GIFT,Gifts,0.5"],
    "customers": [
        "external_id,name,email,phone,home_store,signup_date,birth_year,consent_email,consent_sms,topics",
        "D4,Dee Dale,dee@example.com,+44 7700 900123,S1,2024-02-01,1980,yes,no,offers;style",
        "E5,Eve Ede,,,S2,,,no,1,",
    ],
    "purchases": [
        "line_id,customer_id,purchased_at,quantity,revenue,order_ref,store,category,margin,offer_code",
        "L1,A1,2026-03-01 10:00:00,2,20.00,O1,S1,FOOD,,",
        "L2,B2,2026-03-02T11:00:00,-1,-5.50,O2,,HOME,-2.00,SPRING",
    ],
    "events": [
        "event_id,customer_id,occurred_at,kind",
        "V1,A1,2026-03-01 10:00:00,web_visit",
        "V2,B2,2026-03-02,email_click",
    ],
    "contacts": [
        "customer_id,campaign,treatment,cell,contacted_at,channel,cost_per_contact",
        "A1,Spring mail,A,treatment,2026-03-01 09:00:00,email,0.10",
        "B2,Spring mail,A,control,2026-03-01 09:00:00,email,",
    ],
    "offers": [
        "code,name,kind,category,value,expected_redemption_rate,cost_per_redemption,valid_from,valid_until,"
        "channels,stores,max_quantity,budget_cap,active",
        "TEN,Ten off food,amount off,FOOD,10,0.05,1.50,2026-01-01,2026-12-31,email;sms,S1,500,1000.00,yes",
        "TWOX,Double points,points multiplier,,2,0.1,0.40,2026-03-01,2026-06-30,,,,,no",
    ],
    "suppressions": ["customer_id,reason", "A1,Complained about mail", "C3,Member of staff"],
}
# The column of each kind whose value the generic cases spoil, by its position in the valid rows.
TEXT_COLUMN = {
    "stores": 1,
    "categories": 1,
    "customers": 1,
    "purchases": 5,
    "events": 0,
    "contacts": 1,
    "offers": 1,
    "suppressions": 1,
}


def _text(lines: list[str], ending: str = "\n") -> bytes:
    return (ending.join(lines) + ending).encode()


def _replace(lines: list[str], column: int, value: str) -> list[str]:
    cells = lines[1].split(",")
    cells[column] = value
    return [lines[0], ",".join(cells), *lines[2:]]


def generic_cases(kind: str, lines: list[str]) -> list[tuple[str, bytes, str, str]]:
    """(name, bytes, outcome, words of the first problem) for every kind."""
    column = TEXT_COLUMN[kind]
    valid = _text(lines)
    junk = bytes(random.Random(kind).getrandbits(8) for _ in range(2_000))
    header = lines[0].split(",")
    return [
        ("valid.csv", valid, "accepted", ""),
        ("valid_crlf.csv", _text(lines, "\r\n"), "accepted", ""),
        ("valid_bom.csv", b"\xef\xbb\xbf" + valid, "accepted", ""),
        ("valid.csv.gz", gzip.compress(valid, mtime=0), "accepted", ""),
        ("empty.csv", b"", "refused", "The file is empty"),
        ("header_only.csv", _text(lines[:1]), "refused", "header but no rows"),
        ("header_only_no_newline.csv", lines[0].encode(), "refused", "header but no rows"),
        ("bom_only.csv", b"\xef\xbb\xbf", "refused", "empty"),
        ("blank_lines.csv", b"\n\n\n", "refused", "first line of the file is empty"),
        ("empty.csv.gz", gzip.compress(b"", mtime=0), "refused", "empty"),
        ("truncated.csv.gz", gzip.compress(valid * 50, mtime=0)[:60], "refused", "read"),
        ("gzip_header_then_junk.csv.gz", b"\x1f\x8b\x08\x00\x00\x00\x00\x00" + junk[:200], "refused", "gzip"),
        ("gzip_magic_only.csv.gz", b"\x1f\x8b", "refused", "gzip"),
        ("binary_junk.csv", junk, "refused", ""),
        ("nul_in_value.csv", _text(_replace(lines, column, "Ab\x00cd")), "refused", "control character"),
        ("nul_in_header.csv", _text([lines[0].replace(",", ",\x00", 1), *lines[1:]]), "refused", ""),
        ("utf16.csv", "\n".join(lines).encode("utf-16"), "refused", ""),
        ("latin1.csv", _text(_replace(lines, column, "Zo\xeb")).replace(b"Zo\xc3\xab", b"Zo\xeb"), "refused", "UTF-8"),
        ("semicolons.csv", _text([line.replace(",", ";") for line in lines]), "refused", "semicolon"),
        ("extra_field.csv", _text([lines[0], lines[1] + ",surplus", *lines[2:]]), "refused", "fields but the header"),
        ("missing_field.csv", _text([lines[0], lines[1].rsplit(",", 1)[0], *lines[2:]]), "refused", "fields"),
        ("unclosed_quote.csv", _text([lines[0], '"' + lines[1], *lines[2:]]), "refused", ""),
        ("huge_field.csv", _text(_replace(lines, column, "x" * 70_000)), "refused", "longer than"),
        ("formula.csv", _text(_replace(lines, column, '"=HYPERLINK(""http://x.test"",""y"")"')), "refused", "formula"),
        ("line_break.csv", _text(_replace(lines, column, '"two\nlines"')), "refused", "one line"),
        (
            "missing_column.csv",
            _text([",".join(header[1:]), *[line.split(",", 1)[1] for line in lines[1:]]]),
            "refused",
            "is missing",
        ),
        (
            "repeated_column.csv",
            _text([lines[0] + "," + header[0], *[line + ",x" for line in lines[1:]]]),
            "refused",
            "more than once",
        ),
        ("nameless_column.csv", _text([lines[0] + ",", *[line + "," for line in lines[1:]]]), "refused", "no name"),
        (
            "long_header.csv.gz",
            gzip.compress(_text([lines[0] + "," + "h" * 2_000_000, *[line + "," for line in lines[1:]]]), mtime=0),
            "refused",
            "",
        ),
    ]


# Cases that only make sense for one kind: (kind, name, text, outcome, words of the first problem).
SPECIFIC = [
    ("customers", "fractional_year.csv", "external_id,birth_year\nZ1,1980.5\n", "refused", "whole number"),
    ("customers", "year_1e20.csv", "external_id,birth_year\nZ1,1e20\n", "refused", "plausible year"),
    ("customers", "year_negative.csv", "external_id,birth_year\nZ1,-1980\n", "refused", "plausible year"),
    ("customers", "signup_year_1.csv", "external_id,signup_date\nZ1,0001-01-01\n", "refused", "before"),
    ("customers", "signup_feb_31.csv", "external_id,signup_date\nZ1,2024-02-31\n", "refused", "not a date"),
    ("customers", "repeated_key.csv", "external_id,name\nZ1,Ann\nZ1,Bob\n", "refused", "repeats"),
    ("customers", "phone_letters.csv", "external_id,phone\nZ1,call me\n", "refused", "phone"),
    ("customers", "topic_braces.csv", 'external_id,topics\nZ1,"a}{b"\n', "refused", "topic"),
    ("customers", "consent_maybe.csv", "external_id,consent_sms\nZ1,maybe\n", "refused", "yes or no"),
    ("customers", "key_with_newline.csv", 'external_id,name\n"Z\n1",Ann\n', "refused", "one line"),
    (
        "purchases",
        "money_1e20.csv",
        "line_id,customer_id,purchased_at,quantity,revenue\nL9,A1,2026-03-01,1,1e20\n",
        "refused",
        "revenue",
    ),
    (
        "purchases",
        "money_1e15.csv",
        "line_id,customer_id,purchased_at,quantity,revenue\nL9,A1,2026-03-01,1,1000000000000000\n",
        "refused",
        "more",
    ),
    (
        "purchases",
        "margin_1e20.csv",
        "line_id,customer_id,purchased_at,quantity,revenue,margin\nL9,A1,2026-03-01,1,5,1e20\n",
        "refused",
        "margin",
    ),
    (
        "purchases",
        "quantity_past_32_bits.csv",
        "line_id,customer_id,purchased_at,quantity,revenue\nL9,A1,2026-03-01,3000000000,5\n",
        "refused",
        "quantity",
    ),
    (
        "purchases",
        "quantity_1e300.csv",
        "line_id,customer_id,purchased_at,quantity,revenue\nL9,A1,2026-03-01,1e300,5\n",
        "refused",
        "quantity",
    ),
    (
        "purchases",
        "dated_year_1.csv",
        "line_id,customer_id,purchased_at,quantity,revenue\nL9,A1,0001-01-01 00:00:00,1,5\n",
        "refused",
        "before",
    ),
    (
        "purchases",
        "dated_year_10000.csv",
        "line_id,customer_id,purchased_at,quantity,revenue\nL9,A1,10000-01-01,1,5\n",
        "refused",
        "",
    ),
    (
        "purchases",
        "nan_revenue.csv",
        "line_id,customer_id,purchased_at,quantity,revenue\nL9,A1,2026-03-01,1,NaN\n",
        "refused",
        "not a number",
    ),
    (
        "purchases",
        "hex_revenue.csv",
        "line_id,customer_id,purchased_at,quantity,revenue\nL9,A1,2026-03-01,1,0x10\n",
        "refused",
        "not a number",
    ),
    (
        "purchases",
        "repeated_line.csv",
        "line_id,customer_id,purchased_at,quantity,revenue\nL9,A1,2026-03-01,1,5\nL9,B2,2026-03-01,1,5\n",
        "refused",
        "repeats",
    ),
    (
        "purchases",
        "offer_code_newline.csv",
        'line_id,customer_id,purchased_at,quantity,revenue,offer_code\nL9,A1,2026-03-01,1,5,"TEN\nOFF"\n',
        "refused",
        "one line",
    ),
    (
        "purchases",
        "sql_in_key.csv",
        "line_id,customer_id,purchased_at,quantity,revenue\nL9',A1'); DROP TABLE x;--,2026-03-01,1,5\n",
        "refused",
        "known customer",
    ),
    (
        "events",
        "occurred_year_1.csv",
        "event_id,customer_id,occurred_at,kind\nV9,A1,0001-01-01,email_click\n",
        "refused",
        "before",
    ),
    (
        "events",
        "unknown_kind.csv",
        "event_id,customer_id,occurred_at,kind\nV9,A1,2026-03-01,telepathy\n",
        "refused",
        "kind of event",
    ),
    (
        "contacts",
        "customer_twice.csv",
        "customer_id,campaign,treatment,cell,contacted_at\nA1,Spring mail,A,treatment,2026-03-01\n"
        "A1,Spring mail,A,treatment,2026-03-01\n",
        "refused",
        "more than once",
    ),
    (
        "contacts",
        "customer_twice_other_cells.csv",
        "customer_id,campaign,treatment,cell,contacted_at\nA1,Spring mail,A,treatment,2026-03-01\n"
        "A1,Spring mail,A,control,2026-03-02\n",
        "refused",
        "more than once",
    ),
    (
        "contacts",
        "cost_1e20.csv",
        "customer_id,campaign,treatment,cell,contacted_at,cost_per_contact\n"
        "A1,Spring mail,A,treatment,2026-03-01,1e20\n",
        "refused",
        "cost_per_contact",
    ),
    (
        "contacts",
        "contacted_year_1.csv",
        "customer_id,campaign,treatment,cell,contacted_at\nA1,Spring mail,A,treatment,0001-01-01\n",
        "refused",
        "before",
    ),
    (
        "contacts",
        "window_too_long.csv",
        "customer_id,campaign,treatment,cell,contacted_at,response_kind,response_window_days\n"
        "A1,Spring mail,A,treatment,2026-03-01,any purchase,99999999999\n",
        "refused",
        "number of days",
    ),
    (
        "contacts",
        "treatment_code_newline.csv",
        'customer_id,campaign,treatment,cell,contacted_at\nA1,Spring mail,"A\nB",treatment,2026-03-01\n',
        "refused",
        "one line",
    ),
    (
        "contacts",
        "control_only.csv",
        "customer_id,campaign,treatment,cell,contacted_at\nA1,Spring mail,,control,2026-03-01\n",
        "refused",
        "no treated row",
    ),
    (
        "offers",
        "value_1e20.csv",
        "code,name,kind,value,valid_from,valid_until\nBIG,Big,amount off,1e20,2026-01-01,2026-12-31\n",
        "refused",
        "value",
    ),
    (
        "offers",
        "cost_1e20.csv",
        "code,name,kind,cost_per_redemption,valid_from,valid_until\nBIG,Big,amount off,1e20,2026-01-01,2026-12-31\n",
        "refused",
        "cost_per_redemption",
    ),
    (
        "offers",
        "budget_cap_1e20.csv",
        "code,name,kind,budget_cap,valid_from,valid_until\nBIG,Big,amount off,1e20,2026-01-01,2026-12-31\n",
        "refused",
        "budget_cap",
    ),
    (
        "offers",
        "quantity_past_64_bits.csv",
        "code,name,kind,max_quantity,valid_from,valid_until\nBIG,Big,amount off,1e25,2026-01-01,2026-12-31\n",
        "refused",
        "max_quantity",
    ),
    (
        "offers",
        "valid_year_1.csv",
        "code,name,kind,valid_from,valid_until\nOLD,Old,amount off,0001-01-01,2026-12-31\n",
        "refused",
        "before",
    ),
    (
        "offers",
        "valid_year_9999.csv",
        "code,name,kind,valid_from,valid_until\nLONG,Long,amount off,2026-01-01,9999-12-31\n",
        "refused",
        "after",
    ),
    (
        "offers",
        "code_formula_after_number.csv",
        "code,name,kind,valid_from,valid_until\n-2+3+cmd,Calc,amount off,2026-01-01,2026-12-31\n",
        "refused",
        "formula",
    ),
    (
        "offers",
        "repeated_code.csv",
        "code,name,kind,valid_from,valid_until\nTEN,Ten,amount off,2026-01-01,2026-12-31\n"
        "TEN,Ten again,amount off,2026-01-01,2026-12-31\n",
        "refused",
        "repeats",
    ),
    (
        "offers",
        "unknown_channel.csv",
        "code,name,kind,channels,valid_from,valid_until\nTEN,Ten,amount off,pigeon,2026-01-01,2026-12-31\n",
        "refused",
        "channel",
    ),
    (
        "suppressions",
        "customer_twice.csv",
        "customer_id,reason\nA1,Complained\nA1,Complained again\n",
        "refused",
        "more than once",
    ),
    ("suppressions", "unknown_customer.csv", "customer_id,reason\nNOPE,Complained\n", "refused", "known customer"),
    ("suppressions", "reason_formula.csv", "customer_id,reason\nA1,@SUM(A1)\n", "refused", "formula"),
    (
        "stores",
        "closed_year_1.csv",
        "code,name,opened_on,closed_on\nS9,Quay,2020-01-01,0001-01-01\n",
        "refused",
        "before",
    ),
    ("categories", "margin_1e20.csv", "code,name,margin_rate\nX,Extra,1e20\n", "refused", "between 0 and 1"),
]


YOUNG = {"field": "recency_days", "op": "lte", "value": 30}
RULE_BODIES = [
    ("not JSON", "{all: [", "not valid JSON"),
    ("empty object", "{}", "not a tree"),
    ("a list", "[]", "not a tree"),
    ("null", "null", "not a tree"),
    ("a number", "1e999", "not a tree"),
    ("unknown field", json.dumps({"field": "password", "op": "eq", "value": 1}), "no field called"),
    ("SQL as a field", json.dumps({"field": "recency_days; DROP TABLE x", "op": "eq", "value": 1}), "no field"),
    ("SQL as a value", json.dumps({"field": "recency_days", "op": "eq", "value": "1 OR 1=1"}), "needs a number"),
    ("huge number", json.dumps({"field": "recency_days", "op": "lte", "value": 1e300}), "needs a number"),
    ("NaN", '{"field": "recency_days", "op": "lte", "value": NaN}', "needs a number"),
    ("Infinity", '{"field": "recency_days", "op": "lte", "value": Infinity}', "needs a number"),
    ("between reversed", json.dumps({"field": "recency_days", "op": "between", "value": [9, 1]}), "smaller"),
    ("between one number", json.dumps({"field": "recency_days", "op": "between", "value": [9]}), "two numbers"),
    ("unknown operator", json.dumps({"field": "recency_days", "op": "like", "value": 1}), "cannot be tested"),
    ("choice not a list", json.dumps({"field": "region", "op": "in", "value": "North"}), "list of one or more"),
    ("empty choice", json.dumps({"field": "region", "op": "in", "value": []}), "list of one or more"),
    ("unknown segment", json.dumps({"field": "segment", "op": "in", "value": 99999}), "no segment"),
    ("segment id past 64 bits", json.dumps({"field": "segment", "op": "in", "value": 10**30}), ""),
    ("segment id as text", json.dumps({"field": "segment", "op": "in", "value": "x"}), ""),
    ("consent of a made-up channel", json.dumps({"field": "consent", "op": "has", "value": "fax"}), "needs one of"),
    ("extra key", json.dumps({"all": [], "drop": 1}), "not a tree"),
    ("both all and any", json.dumps({"all": [], "any": []}), "not a tree"),
    ("nested 9 deep", '{"all": [' * 9 + json.dumps(YOUNG) + "]}" * 9, "nest deeper than 8"),
    ("nested 900 deep", '{"all": [' * 900 + json.dumps(YOUNG) + "]}" * 900, "nest deeper than 8"),
    ("nested 5,000 deep", '{"all": [' * 5000 + json.dumps(YOUNG) + "]}" * 5000, "nest deeper than 8"),
    ("not 900 deep", '{"not": ' * 900 + json.dumps(YOUNG) + "}" * 900, "nest deeper than 8"),
    ("201 conditions", json.dumps({"any": [YOUNG] * 201}), "more than 200 conditions"),
    ("2,000 conditions", json.dumps({"any": [YOUNG] * 2000}), "more than 200 conditions"),
    ("20,000 conditions", json.dumps({"any": [YOUNG] * 20000}), "longer than 200,000 characters"),
    ("NUL in a value", json.dumps({"field": "region", "op": "in", "value": ["No\u0000rth"]}), "control character"),
]
OFFER = {
    "code": "TENOFF",
    "name": "Ten off",
    "kind": "amount_off",
    "value": "10",
    "expected_redemption_rate": "0.1000",
    "valid_from": "2026-01-01",
    "valid_until": "2026-12-31",
    "cost_per_redemption": "1.00",
}
OFFER_BODIES = [
    ("formula code", {"code": '=HYPERLINK("http://x.test")'}, "spreadsheet formula"),
    ("formula after a number", {"code": "-2+3+cmd|' /C calc'!A0"}, "spreadsheet formula"),
    ("code with a line break", {"code": "TEN\nOFF"}, "one line"),
    ("name with a NUL", {"name": "Ten\x00off"}, "Null characters are not allowed"),
    ("code of 500 characters", {"code": "X" * 500}, "at most 64 characters"),
    ("value 1e15", {"value": "1000000000000000"}, "no more than 10 digits"),
    ("value past the bound", {"value": "200000"}, "less than or equal to 100000"),
    ("value NaN", {"value": "NaN"}, "Enter a number"),
    ("cost 1e15", {"cost_per_redemption": "1e15"}, "less than or equal to 100000"),
    ("negative cost", {"cost_per_redemption": "-1"}, "greater than or equal to 0"),
    ("valid from year 1", {"valid_from": "0001-01-01"}, "greater than or equal to 2000-01-01"),
    ("valid until 9999", {"valid_until": "9999-12-31"}, "less than or equal to 2099-12-31"),
    ("date that is not one", {"valid_until": "2026-02-31"}, "Enter a valid date"),
    ("quantity past 32 bits", {"max_quantity": "3000000000"}, "less than or equal to"),
    ("unknown kind", {"kind": "free_money"}, "Select a valid choice"),
    ("unknown channel", {"channels": "fax"}, "Select a valid choice"),
    ("unknown store id", {"stores": "99999999999999999999"}, "Select a valid choice"),
    ("redemption rate 200%", {"expected_redemption_rate": "200"}, "less than or equal to 100"),
]
STAGING_BODIES = [
    ("month 13", "2026-13-45", "not a date"),
    ("a word", "tomorrow", "not a date"),
    ("year 1", "0001-01-01", "1970-01-01"),
    ("in the future", "2999-01-01", "in the future"),
    ("very long", "2" * 10000, "not a date"),
]
LOGIN_BODIES = [
    ("username of 10,000 characters", {"username": "u" * 10000, "password": "x"}),
    ("NUL in the username", {"username": "ma\x00ria", "password": "x"}),
    ("no fields", {}),
]


def bodies() -> list[dict]:
    """Request bodies: where each goes, as whom, and the words the answer must hold (all refused)."""
    found = []
    for name, text, says in RULE_BODIES:
        found.append(
            {
                "name": f"preview: {name}",
                "url": "/segments/preview/",
                "as": "marketer",
                "data": {"rules": text},
                "says": says,
            }
        )
        found.append(
            {
                "name": f"new segment: {name}",
                "url": "/segments/new/",
                "as": "marketer",
                "data": {"name": f"Hostile {name}", "description": "", "rules": text},
                "says": says,
            }
        )
    for name, change, says in OFFER_BODIES:
        found.append(
            {
                "name": f"new offer: {name}",
                "url": "/offers/new/",
                "as": "marketer",
                "data": {**OFFER, **change},
                "says": says,
            }
        )
    for name, period_end, says in STAGING_BODIES:
        found.append(
            {
                "name": f"staging: {name}",
                "url": "/segments/jobs/staging/",
                "as": "admin",
                "data": {"period_end": period_end},
                "says": says,
                "follow": True,
            }
        )
    for name, data in LOGIN_BODIES:
        found.append({"name": f"sign in: {name}", "url": "/login/", "as": "", "data": data, "says": ""})
    return found


def cases() -> list[dict]:
    found = []
    for kind, lines in VALID.items():
        for name, content, outcome, says in generic_cases(kind, lines):
            found.append({"kind": kind, "file": f"{kind}/{name}", "content": content, "outcome": outcome, "says": says})
    for kind, name, text, outcome, says in SPECIFIC:
        found.append(
            {"kind": kind, "file": f"{kind}/{name}", "content": text.encode(), "outcome": outcome, "says": says}
        )
    return found


def manifest(found: list[dict]) -> str:
    entries = [{key: case[key] for key in ("file", "kind", "outcome", "says")} for case in found]
    return json.dumps(entries, indent=1) + "\n"


def write(folder: Path = FILES) -> None:
    shutil.rmtree(folder, ignore_errors=True)
    found = cases()
    for case in found:
        path = folder / case["file"]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(case["content"])
    (folder / "manifest.json").write_text(manifest(found))
    # Some bodies are megabytes of one repeated condition: kept compressed.
    (folder / "bodies.json.gz").write_bytes(gzip.compress((json.dumps(bodies(), indent=1) + "\n").encode(), mtime=0))


if __name__ == "__main__":
    write()
    print(f"{len(cases())} files and {len(bodies())} bodies written to {FILES}")

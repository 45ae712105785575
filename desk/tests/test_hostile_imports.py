"""The hostile-input corpus: every file ends in a clear problem list (or is imported when it is valid), every
request body in words on the page, never in a traceback or a 500, and nothing refused writes anything."""

import gzip
import html
import json
from pathlib import Path

import pytest
from django.db import connection

from core.models import Job
from customers.imports.problems import ImportRefused
from customers.imports.run import import_file
from desk.tests.hostile import make_corpus
from segments.models import Segment

FILES = make_corpus.FILES
CASES = json.loads((FILES / "manifest.json").read_text())
TABLES = [
    "customers_store",
    "customers_category",
    "customers_customer",
    "customers_purchase",
    "customers_engagementevent",
    "campaigns_campaign",
    "campaigns_treatment",
    "campaigns_audiencemember",
    "campaigns_contacthistory",
    "offers_offer",
    "campaigns_suppression",
]


def table_counts() -> dict[str, int]:
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(f"SELECT '{table}', count(*) FROM {table}" for table in TABLES))
        return dict(cursor.fetchall())


@pytest.fixture
def references(db, tmp_path: Path) -> None:
    for kind, text in {
        "stores": "code,name,region\nS1,High Street,North\nS2,Harbour,South\n",
        "categories": "code,name,margin_rate\nFOOD,Food,0.25\nHOME,Home,0.40\n",
        "customers": "external_id,name\nA1,Ann Archer\nB2,Bob Baker\nC3,Cy Cooper\n",
    }.items():
        path = tmp_path / f"{kind}.csv"
        path.write_text(text)
        import_file(kind=kind, path=path)


@pytest.mark.parametrize("case", CASES, ids=[case["file"] for case in CASES])
def test_a_hostile_file_is_refused_with_problems_or_imported_whole(references, case):
    before = table_counts()
    path = FILES / case["file"]
    if case["outcome"] == "accepted":
        import_file(kind=case["kind"], path=path)
        assert table_counts() != before
        return
    with pytest.raises(ImportRefused) as refused:
        import_file(kind=case["kind"], path=path)
    problems = refused.value.problems.frame()
    assert len(problems) > 0 and "nothing was written" in str(refused.value)
    first = problems.iloc[0]
    assert case["says"].lower() in f"{first['column']}: {first['problem']}".lower(), problems.head(3).to_dict("records")
    assert table_counts() == before


def test_the_corpus_is_what_its_script_writes(tmp_path):
    make_corpus.write(tmp_path)
    written = sorted(path.relative_to(tmp_path) for path in tmp_path.rglob("*") if path.is_file())
    kept = sorted(path.relative_to(FILES) for path in FILES.rglob("*") if path.is_file())
    assert written == kept and len(written) >= 100
    assert all((tmp_path / name).read_bytes() == (FILES / name).read_bytes() for name in written)


BODIES = json.loads(gzip.decompress((FILES / "bodies.json.gz").read_bytes()))


@pytest.fixture
def identities(marketer, admin_user) -> dict:
    return {"marketer": marketer, "admin": admin_user, "": None}


@pytest.mark.parametrize("body", BODIES, ids=[body["name"] for body in BODIES])
def test_a_hostile_body_is_answered_in_words_and_writes_nothing(client, identities, body):
    user = identities[body["as"]]
    if user:
        client.force_login(user)
    client.raise_request_exception = False
    before = table_counts() | {"segments": Segment.objects.count(), "jobs": Job.objects.count()}
    response = client.post(body["url"], body["data"], follow=body.get("follow", False))
    assert response.status_code < 500
    page = html.unescape(response.content.decode())
    assert body["says"] in page, page[:2000]
    assert table_counts() | {"segments": Segment.objects.count(), "jobs": Job.objects.count()} == before

"""A job's input and result read as words and tables, never as a raw dict or a code."""

from django.urls import reverse

from core.lib.readable import label, readable
from core.models import Job


def test_keys_are_words_and_codes_are_labels():
    assert (label("history_ends"), label("contact_cost_cents"), label("campaign_id")) == (
        "History ends",
        "Contact cost",
        "Campaign",
    )
    assert str(readable("direct_mail")) == "Direct mail"


def test_rows_of_a_result_become_a_table_with_separators_money_and_dates():
    html = str(readable({"rows": [["customers", 12000]], "cost_cents": 123456, "end": "2026-06-30"}))
    assert '<th class="fw-normal text-secondary">Customers</th><td>12,000</td>' in html
    assert "<td>1,234.56</td>" in html and "<td>30 Jun 2026</td>" in html
    assert "{" not in html and "[" not in html


def test_the_job_page_says_what_happened_in_a_sentence_and_tables(client, admin_user):
    job = Job.objects.create(
        kind=Job.Kind.DEMO_DATA,
        title="Demo data",
        owner=admin_user,
        status=Job.Status.SUCCEEDED,
        params={"customers": 1000, "seed": 5, "end": "2026-06-30"},
        result={"rows": [["stores", 14], ["customers", 1000]], "history_ends": "2026-06-30"},
    )
    client.force_login(admin_user)
    page = client.get(reverse("job_detail", args=[job.pk])).content.decode()
    summary = page[page.index('id="tab-summary"') : page.index('id="tab-raw"')]
    assert "Demo data, started by ada, succeeded" in summary
    assert "History ends</th><td>30 Jun 2026" in summary
    assert "{&#x27;" not in summary and "[[" not in summary
    aside = page[page.index('<aside class="desk-side">') :]
    assert "Customers</th><td>1,000" in aside and "{&#x27;" not in aside


def test_the_technical_detail_is_for_admins_only(client, manager):
    job = Job.objects.create(kind=Job.Kind.DEMO_DATA, title="Demo", owner=manager, result={"rows": []})
    client.force_login(manager)
    assert 'id="tab-raw"' not in client.get(reverse("job_detail", args=[job.pk])).content.decode()

"""In the browser: the jobs grid follows a running job until it ends, without a reload."""

import pytest
from playwright.sync_api import Page, expect

from core.models import Job
from core.tests.browser import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_jobs_grid_follows_a_running_job(page: Page, live_server, marketer):
    job = Job.objects.create(kind=Job.Kind.RESULTS, title="Spring results", owner=marketer, status="running")
    sign_in(page, live_server, marketer.username)
    page.goto(f"{live_server.url}/jobs/")
    row = page.locator("#jobs-grid-box .tabulator-row", has_text="Spring results")
    expect(row).to_contain_text("Running")
    Job.objects.filter(pk=job.pk).update(progress=60, message="Reading purchases")
    expect(row).to_contain_text("Reading purchases")
    expect(row.locator("[role=progressbar]")).to_have_attribute("aria-valuenow", "60")
    Job.objects.filter(pk=job.pk).update(status="succeeded", progress=100, message="Done")
    expect(row).to_contain_text("Succeeded")

"""A page's statement that runs too long is stopped by PostgreSQL, and the page says so in words."""

import pytest
from django.db import connection


def current_timeout() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        return cursor.fetchone()[0]


@pytest.mark.urls("desk.tests.slow_urls")
@pytest.mark.django_db(transaction=True)  # each statement commits on its own, as on the server
def test_a_page_whose_query_runs_too_long_says_so_instead_of_failing(client, marketer, settings):
    settings.WEB_STATEMENT_TIMEOUT_SECONDS = 1
    client.force_login(marketer)
    assert client.get("/slow/", {"seconds": "0.1"}).content == b"finished"
    response = client.get("/slow/", {"seconds": "3"})
    assert response.status_code == 503
    assert "took longer than 1 seconds and was stopped" in response.content.decode()
    htmx = client.get("/slow/", {"seconds": "3"}, headers={"HX-Request": "true"})
    assert htmx.status_code == 200 and "data-timed-out" in htmx.content.decode()


def test_web_requests_run_under_the_web_limit(client, marketer, settings):
    settings.WEB_STATEMENT_TIMEOUT_SECONDS = 7
    client.force_login(marketer)
    client.get("/")
    assert current_timeout() == "7s"

"""The Online Retail customers described as of the end of 2011-12-09, the file's last day, match the published
RFM figures."""

from collections.abc import Iterator
from datetime import date

import pytest
from django.db import connection

from conftest import committed_for_the_module
from customers.imports.run import import_file
from segments.models import FeatureRun
from segments.services import features_refresh


@pytest.fixture(scope="module")
def described(shared_data_once, django_db_setup, django_db_blocker) -> Iterator[FeatureRun]:
    with committed_for_the_module(django_db_blocker):
        import_file(kind="purchases", path=shared_data_once / "online_retail.csv.gz", preset="online_retail")
        # All history counts: the published figures use the whole file.
        yield features_refresh(as_of=date(2011, 12, 9), window_days=None)


@pytest.mark.django_db
def test_the_features_give_the_published_figures(described):
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT percentile_disc(0.5) WITHIN GROUP (ORDER BY recency_days),
                   percentile_disc(0.5) WITHIN GROUP (ORDER BY frequency),
                   percentile_cont(0.5) WITHIN GROUP (ORDER BY revenue_cents),
                   avg(frequency), count(*)
            FROM segments_customerfeatures WHERE frequency > 0
            """
        )
        recency, frequency, monetary_cents, mean_frequency, buyers = cursor.fetchone()
    assert buyers == 4_339
    assert (recency, frequency) == (50, 2)
    assert monetary_cents / 100 == pytest.approx(674.45, abs=0.005)
    assert round(float(mean_frequency), 2) == 4.27


@pytest.mark.django_db
def test_every_customer_has_exactly_one_stage(described):
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*), count(stage_id), count(DISTINCT customer_id) FROM segments_customerfeatures")
        rows, staged, customers = cursor.fetchone()
    assert rows == staged == customers == 4_372

import io
from datetime import date

import pytest
from django.core.management import call_command

from conftest import committed_for_the_module

DEMO_END = date(2026, 6, 30)


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The demo retailer, loaded once for the module that asks for it."""
    # The splits hash the customers' ids, which count from 1 again here: the draw is always seed 5's.
    with committed_for_the_module(django_db_blocker):
        call_command("seed_demo", customers=8_000, seed=5, as_of=DEMO_END, stdout=io.StringIO())
        yield

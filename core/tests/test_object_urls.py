"""A grid row's links are the addresses Django would reverse, under whatever prefix the desk is served."""

import pytest
from django.urls import reverse, set_script_prefix

from core.lib.urls import object_url

NAMES = ["customers:detail", "campaigns:detail", "campaigns:edit", "campaigns:results", "segments:portfolio"]


@pytest.mark.parametrize("prefix", ["/", "/desk/"])
def test_an_objects_address_is_the_one_django_reverses(prefix):
    set_script_prefix(prefix)
    try:
        for name in NAMES:
            for pk in (1, 7, 98765):
                assert object_url(name)(pk) == reverse(name, args=[pk])
        assert object_url("customers:detail")(7).startswith(prefix)
    finally:
        set_script_prefix("/")

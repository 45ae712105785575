"""How numbers read on the pages: p-values are never printed as 0.0000."""

import pytest

from core.templatetags.desk import pvalue


@pytest.mark.parametrize(
    ("p", "shown"),
    [(None, "-"), (0.3, "0.30"), (0.0412, "0.04"), (0.004, "0.004"), (1.2e-07, "1.2e-07"), (3e-202, "< 1e-16")],
)
def test_p_values_read_as_numbers_people_can_compare(p, shown):
    assert pvalue(p) == shown

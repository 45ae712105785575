"""How numbers read on the pages: p-values are never printed as 0.0000."""

import pytest

from core.templatetags.desk import p_is, pvalue


@pytest.mark.parametrize(
    ("p", "shown"),
    [(None, "-"), (0.3, "0.30"), (0.0412, "0.04"), (0.004, "0.004"), (1.2e-07, "1.2e-07"), (3e-202, "< 1e-16")],
)
def test_p_values_read_as_numbers_people_can_compare(p, shown):
    assert pvalue(p) == shown


@pytest.mark.parametrize(("p", "shown"), [(0.3, "p = 0.30"), (1.2e-07, "p = 1.2e-07"), (3e-202, "p < 1e-16")])
def test_a_p_value_reads_with_its_sign(p, shown):
    assert f"p {p_is(p)}" == shown

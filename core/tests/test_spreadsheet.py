import pytest

from core.lib.spreadsheet import safe_cell


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("=SUM(A1:A2)", "'=SUM(A1:A2)"),
        ("+cmd", "'+cmd"),
        ("@import", "'@import"),
        ("\t=1", "'\t=1"),
        ("-12.50", "-12.50"),
        ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
        ("+44 7700 900000", "'+44 7700 900000"),
        ("Ann", "Ann"),
        (42, 42),
    ],
)
def test_text_a_spreadsheet_would_run_is_made_plain(value, shown):
    assert safe_cell(value) == shown

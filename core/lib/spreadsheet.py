"""CSV files the app writes for people to open in spreadsheets."""

import re

# A cell starting with one of these is run as a formula by spreadsheet programs.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
NUMBER = re.compile(r"^[+-]?\d+(\.\d+)?$")


def safe_cell(value: object) -> object:
    """The value, with text a spreadsheet would run as a formula made plain text by a leading quote."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS) and not NUMBER.match(value):
        return "'" + value
    return value

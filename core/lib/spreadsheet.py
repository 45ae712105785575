"""Text that spreadsheet programs would run as a formula.

Such text is refused where it enters the app (imports and forms), so files
meant for machines (contact files) carry the data unchanged; files meant for
people to open in a spreadsheet neutralise it all the same (`safe_cell`).
"""

import re

from django.core.exceptions import ValidationError

# A cell starting with one of these is run as a formula by spreadsheet programs.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
NUMBER = re.compile(r"^[+-]?\d+(\.\d+)?$")
# The same rule for Arrow's regular expressions: a trigger first, unless the whole text is a plain number.
FORMULA_REGEX = r"^[=+\-@\t\r]"
NUMBER_REGEX = NUMBER.pattern
FORMULA_PROBLEM = "starts like a spreadsheet formula (=, +, -, @); remove the leading character"
# Line breaks and other control characters split a code or a name across rows of the files it reaches.
CONTROL = re.compile(r"[\x00-\x1f\x7f]")
CONTROL_REGEX = r"[\x00-\x1f\x7f]"
CONTROL_PROBLEM = "has a line break or another control character; keep it on one line"


def could_be_formula(value: object) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_TRIGGERS) and not NUMBER.match(value)


def safe_cell(value: object) -> object:
    """The value, with text a spreadsheet would run as a formula made plain text by a leading quote."""
    return "'" + value if could_be_formula(value) else value


def plain_text(value: object) -> None:
    """Validator for codes and names that reach files: one line, and nothing a spreadsheet would run (refused
    here rather than escaped later, so machines read them unchanged)."""
    if could_be_formula(value):
        raise ValidationError(f"This {FORMULA_PROBLEM}.", code="formula")
    if isinstance(value, str) and CONTROL.search(value):
        raise ValidationError(f"This {CONTROL_PROBLEM}.", code="control")

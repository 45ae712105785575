"""Turning text columns into typed values, with a mask of the rows that could not be turned.

The work is vectorised with Arrow compute functions over the batch's
Arrow-backed pandas columns; pandas assembles the problem reports. A batch
never goes through Python one value at a time, except a batch that has bad
values, where pandas' row-tolerant parsers find which ones.
"""

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from core.lib.spreadsheet import CONTROL_PROBLEM, CONTROL_REGEX, FORMULA_PROBLEM, FORMULA_REGEX, NUMBER_REGEX
from customers.imports.problems import Problems

TRUE_WORDS = ["1", "true", "t", "yes", "y"]
FALSE_WORDS = ["0", "false", "f", "no", "n", ""]
EMAIL = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
PHONE = r"^\+?[0-9][0-9 ()./-]{4,38}$"
TOPIC = r"[A-Za-z0-9_-][A-Za-z0-9_ -]{0,39}"
TOPIC_LIST = rf"^{TOPIC}(?:\s*;\s*{TOPIC})*$"
COMMON_TIMESTAMPS = ["%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S"]


def mask(array: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """An Arrow boolean array as a numpy mask, null counting as false."""
    return pc.fill_null(array, False).to_numpy(zero_copy_only=False)


class Column:
    """One text column of a batch and the spreadsheet rows it came from; checks report into `problems`."""

    def __init__(self, name: str, values: pd.Series, rows: np.ndarray, problems: Problems) -> None:
        self.name = name
        self.array = pc.utf8_trim_whitespace(pa.array(values, type=pa.string()))
        self.index = values.index
        self.rows = rows
        self.problems = problems
        self.empty = mask(pc.equal(self.array, ""))

    @property
    def values(self) -> pd.Series:
        return self.array.to_pandas().set_axis(self.index)

    def flag(self, where: np.ndarray, problem: str) -> None:
        if where.any():
            self.problems.flag(where, self.rows, self.name, self.values, problem)

    def require(self) -> None:
        self.flag(self.empty, "is empty; this column needs a value")

    def text(self, *, max_length: int, formula_safe: bool = True) -> pd.Series:
        self.flag(pc.utf8_length(self.array).to_numpy() > max_length, f"is longer than {max_length} characters")
        if formula_safe:
            formula = mask(pc.match_substring_regex(self.array, FORMULA_REGEX))
            self.flag(formula & ~mask(pc.match_substring_regex(self.array, NUMBER_REGEX)), FORMULA_PROBLEM)
        self.flag(mask(pc.match_substring_regex(self.array, CONTROL_REGEX)), CONTROL_PROBLEM)
        return self.values

    def pattern(self, regex: str, problem: str) -> None:
        self.flag(~self.empty & ~mask(pc.match_substring_regex(self.array, regex)), problem)

    def number(self) -> np.ndarray:
        """Floats; empty is NaN. Text that is not a finite number is flagged."""
        parsed = _to_float(self.array, self.empty)
        self.flag(~self.empty & ~np.isfinite(parsed), "is not a number")
        return parsed

    def whole_number(self) -> np.ndarray:
        parsed = self.number()
        self.flag(np.isfinite(parsed) & (parsed != np.round(parsed)), "is not a whole number")
        return parsed

    def cents(self) -> np.ndarray:
        """Amounts of money as integer cents (NaN where empty or bad, as float)."""
        return np.round(self.number() * 100)

    def timestamp(self) -> pd.Series:
        """Timezone-aware instants; text without a zone is taken as UTC (as the database session does)."""
        parsed = pc.strptime(self.array, format=COMMON_TIMESTAMPS[0], unit="us", error_is_null=True)
        if parsed.null_count > int(self.empty.sum()):
            alternative = pc.strptime(self.array, format=COMMON_TIMESTAMPS[1], unit="us", error_is_null=True)
            parsed = pc.coalesce(parsed, alternative)
        parsed = pc.if_else(_day_as_written(parsed, self.array), parsed, pa.scalar(None, parsed.type))
        instants = parsed.to_pandas().set_axis(self.index).dt.tz_localize("UTC")
        other = ~self.empty & instants.isna().to_numpy()
        if other.any():
            # Dates alone, a T between date and time, fractions of seconds, time zones: slower, per row.
            instants[other] = pd.to_datetime(self.values[other], format="ISO8601", utc=True, errors="coerce")
            self.flag(~self.empty & instants.isna().to_numpy(), "is not a date and time (use YYYY-MM-DD HH:MM:SS)")
        return instants

    def day(self) -> pd.Series:
        parsed = pd.to_datetime(self.values.where(~self.empty), format="%Y-%m-%d", errors="coerce")
        self.flag(~self.empty & parsed.isna().to_numpy(), "is not a date (use YYYY-MM-DD)")
        return parsed.dt.date

    def boolean(self) -> np.ndarray:
        lowered = pc.utf8_lower(self.array)
        known = mask(pc.is_in(lowered, value_set=pa.array(TRUE_WORDS + FALSE_WORDS)))
        self.flag(~known, "is not yes or no (use 1/0, true/false, yes/no)")
        return mask(pc.is_in(lowered, value_set=pa.array(TRUE_WORDS)))

    def topics(self) -> pd.Series:
        """Semicolon-separated topics, as PostgreSQL array literals ({"a","b"})."""
        self.flag(
            ~self.empty & ~mask(pc.match_substring_regex(self.array, TOPIC_LIST)),
            "has a topic that is not letters, digits, spaces, - or _ (at most 40 characters; separate topics with ;)",
        )
        quoted = pc.replace_substring_regex(self.array, r"\s*;\s*", '","')
        literal = pc.if_else(pa.array(self.empty), pa.scalar("{}"), pc.binary_join_element_wise('{"', quoted, '"}', ""))
        return literal.to_pandas().set_axis(self.index)


def _day_as_written(parsed: pa.Array, text: pa.Array) -> pa.Array:
    """Arrow reads 2026-02-31 as 2026-03-03; a real date has the day of month that the text has."""
    day = pc.utf8_lpad(pc.cast(pc.day(parsed), pa.string()), 2, "0")
    return pc.fill_null(pc.equal(day, pc.utf8_slice_codeunits(text, 8, 10)), False)


def _to_float(array: pa.Array, empty: np.ndarray) -> np.ndarray:
    """Fast path through Arrow; only a batch with bad text takes pandas' slower, row-tolerant parse."""
    blanked = pc.if_else(pa.array(empty), pa.scalar(None, pa.string()), array)
    try:
        return pc.cast(blanked, pa.float64()).to_numpy(zero_copy_only=False)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return pd.to_numeric(blanked.to_pandas(), errors="coerce").to_numpy(dtype=float, na_value=np.nan)

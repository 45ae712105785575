"""The problems found in a file: row, column, value and reason, for the user to fix."""

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

# Checking stops at this many problems: a file with a million bad rows has one or two mistakes repeated,
# the first thousand show them, and reading on would only cost the worker time and memory.
MAX_ITEMS = 1_000
MAX_VALUE_CHARS = 200


class ImportRefused(Exception):
    """The file cannot be imported as it is; nothing was written."""

    def __init__(self, problems: "Problems") -> None:
        self.problems = problems
        super().__init__(problems.summary())


@dataclass
class Problems:
    items: list[pd.DataFrame] = field(default_factory=list)
    total: int = 0
    itemised: int = 0

    def __bool__(self) -> bool:
        return self.total > 0

    @property
    def full(self) -> bool:
        """As many problems as are worth listing: the check stops here."""
        return self.total >= MAX_ITEMS

    def add(self, problem: str, *, row: int | None = None, column: str = "", value: object = "") -> None:
        if self.full:
            return
        self.total += 1
        self._keep(pd.DataFrame({"row": [row], "column": [column], "value": [_shown(value)], "problem": [problem]}))

    def flag(
        self, mask: np.ndarray | pd.Series, rows: np.ndarray, column: str, values: pd.Series, problem: str
    ) -> None:
        """Record `problem` for every row where `mask` is true."""
        mask = np.asarray(mask, dtype=bool)
        count = int(mask.sum())
        if not count:
            return
        room = max(0, MAX_ITEMS - self.itemised)
        picked = np.flatnonzero(mask)[:room]
        frame = pd.DataFrame(
            {
                "row": rows[picked],
                "column": column,
                "value": [_shown(value) for value in np.asarray(values, dtype=object)[picked]],
                "problem": problem,
            }
        )
        self.total = min(MAX_ITEMS, self.total + count)
        self._keep(frame)

    def _keep(self, frame: pd.DataFrame) -> None:
        kept = frame.iloc[: max(0, MAX_ITEMS - self.itemised)]
        if len(kept):
            self.items.append(kept)
            self.itemised += len(kept)

    def frame(self) -> pd.DataFrame:
        if not self.items:
            return pd.DataFrame(columns=["row", "column", "value", "problem"])
        frame = pd.concat(self.items, ignore_index=True)
        return frame.sort_values("row", kind="stable", na_position="first").reset_index(drop=True)

    def summary(self) -> str:
        if not self.total:
            return "No problems."
        first = self.frame().iloc[0]
        where = f"row {first['row']}, column {first['column']}: " if pd.notna(first["row"]) else ""
        more = (
            f" ({self.total - 1:,} more problem{'s' if self.total > 2 else ''} in the report)" if self.total > 1 else ""
        )
        stopped = (
            f" Checking stopped after the first {MAX_ITEMS:,} problems: fix these and import the file again."
            if self.full
            else ""
        )
        return f"The file was not imported; nothing was written. {where}{first['problem']}{more}.{stopped}"


def _shown(value: object) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return ""
    text = str(value)
    if len(text) > MAX_VALUE_CHARS:
        return f"{text[:MAX_VALUE_CHARS]}... ({len(text):,} characters)"
    return text

"""Reporting the keys a file repeats.

PostgreSQL finds them (building the key's unique index, or grouping the load
table); this second read of the file finds the rows that carry them, which
only a file with repeats pays for.
"""

from collections import defaultdict
from collections.abc import Iterator

import numpy as np
import pandas as pd

from customers.imports.problems import Problems


def report_repeats(
    batches: Iterator[tuple[pd.Series, np.ndarray]], column: str, repeated: list[str], problems: Problems
) -> None:
    """Report every row whose `column` value an earlier row already had."""
    first_row: dict[str, int] = {}
    later_rows: dict[str, list[int]] = defaultdict(list)
    for keys, rows in batches:
        hit = keys.isin(repeated).to_numpy()
        for value, row in zip(keys[hit].tolist(), rows[hit].tolist(), strict=True):
            if value in first_row:
                later_rows[value].append(row)
            else:
                first_row[value] = row
    for value, rows in later_rows.items():
        for row in rows:
            problems.add(f"repeats the {column} of row {first_row[value]}", row=row, column=column, value=value)

"""A step loads one kind of rows from a file; a plain file is one step, a preset may make several."""

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from customers.imports.kinds import KINDS, Kind
from customers.imports.problems import ImportRefused, Problems
from customers.imports.source import Batch, SourceFile

ProgressCallback = Callable[[float], None] | None


@dataclass
class Step:
    kind: Kind
    columns: list[str]  # the kind's columns the batches carry
    batches: Callable[[Problems, ProgressCallback], Iterator[Batch]]
    notes: list[str] = field(default_factory=list)
    skipped: dict[str, int] = field(default_factory=dict)

    def empty_batch(self) -> Batch:
        frame = pd.DataFrame({name: pd.Series([], dtype="str") for name in self.columns})
        return Batch(rows=np.array([], dtype=np.int64), frame=frame)


def plain_step(kind_name: str, source: SourceFile) -> Step:
    """The file is in Campaign Desk's own format for `kind_name`: column names match, in any case and order."""
    kind = KINDS[kind_name]
    header = source.header()
    names = [name.lower() for name in header]
    missing = [column for column in kind.required if column not in names]
    if missing:
        problems = Problems()
        for column in missing:
            problems.add(
                f"Column '{column}' is missing. A {kind.name} file needs {', '.join(kind.required)}; "
                f"this one has {', '.join(header)}.",
                row=1,
                column=column,
            )
        raise ImportRefused(problems)
    present = [name for name in names if name in kind.columns]
    ignored = [original for original, name in zip(header, names, strict=True) if name not in kind.columns]

    def batches(problems: Problems, on_progress: ProgressCallback) -> Iterator[Batch]:
        for batch in source.batches(names, problems, on_progress=on_progress):
            yield Batch(rows=batch.rows, frame=batch.frame[present])

    notes = [f"Columns not used: {', '.join(ignored)}."] if ignored else []
    return Step(kind=kind, columns=present, batches=batches, notes=notes)

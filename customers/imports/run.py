"""One import, start to end, inside one transaction: every step loads or none does."""

from collections.abc import Callable, Iterator
from dataclasses import asdict
from pathlib import Path
from time import monotonic
from typing import Any

from django.db import transaction
from django.utils import timezone

from customers.imports import presets
from customers.imports.keys import report_repeats
from customers.imports.kinds import Kind, References
from customers.imports.loading import RepeatedKeys, copy_in, create_load_table, csv_bytes, merge
from customers.imports.problems import ImportRefused, Problems
from customers.imports.source import SourceFile
from customers.imports.steps import Step, plain_step

Report = Callable[[float, str], None]


def import_file(
    *,
    kind: str,
    path: Path,
    preset: str = "",
    delimiter: str = ",",
    encoding: str = "utf-8",
    report: Report | None = None,
) -> dict[str, Any]:
    """Check and load the file; raise ImportRefused, having written nothing, if any row has a problem."""
    report = report or (lambda percent, message: None)
    source = SourceFile(path, delimiter=delimiter, encoding=encoding)
    started = monotonic()
    with transaction.atomic():
        if preset:
            chosen = presets.PRESETS[preset]
            chosen.before(kind)
            steps = chosen.steps(kind, source)
        else:
            steps = [plain_step(kind, source)]
        results = []
        for number, step in enumerate(steps):
            share = 100 / len(steps)
            results.append(_run_step(step, number * share, share, report))
    seconds = round(monotonic() - started, 2)
    return {
        "kind": kind,
        "preset": preset,
        "file": path.name,
        "seconds": seconds,
        "steps": results,
        "rows_per_second": round(results[-1]["loaded"] / seconds) if seconds else None,
    }


def _run_step(step: Step, start: float, share: float, report: Report) -> dict[str, Any]:
    """Check every row while loading it; refuse the lot on the first problem, but keep checking to report all."""
    kind = step.kind
    problems = Problems()
    references = References()
    columns = list(kind.prepare(step.empty_batch(), references, Problems()).columns)
    label = kind.name

    def on_progress(fraction: float) -> None:
        report(start + share * 0.75 * fraction, f"Checking and loading {label}")

    def chunks() -> Iterator[bytes]:
        for batch in step.batches(problems, on_progress):
            frame = kind.prepare(batch, references, problems)
            if not problems:
                yield csv_bytes(frame[columns])

    load = create_load_table(kind.table, columns, large=kind.large, definition=kind.load_columns)
    loaded = copy_in(load, columns, chunks())
    if problems:
        raise ImportRefused(problems)
    report(start + share * 0.8, f"Merging {loaded:,} {label} rows")
    try:
        if kind.merge:
            counts = kind.merge(load=load, loaded=loaded)
        else:
            counts = merge(
                kind.table, load, kind.key, columns, defaults=_defaults(kind, columns), large=kind.large, loaded=loaded
            )
    except RepeatedKeys as repeats:
        report_repeats(_keys_again(step, kind.key), kind.key, repeats.values, problems)
        raise ImportRefused(problems) from None
    report(start + share, f"Loaded {label}")
    return {"kind": kind.name, **asdict(counts), "notes": step.notes, "skipped": step.skipped}


def _keys_again(step: Step, key: str) -> Iterator:
    for batch in step.batches(Problems(), None):
        yield batch.frame[key].str.strip(), batch.rows


def _defaults(kind: Kind, columns: list[str]) -> dict[str, object]:
    """Values for the non-null columns a file leaves out, used on rows it adds."""
    defaults: dict[str, object] = {}
    for field in kind.model._meta.concrete_fields:
        if field.column in columns or field.primary_key:
            continue
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            defaults[field.column] = timezone.now()
        elif not field.null:
            defaults[field.column] = field.get_default()
    return defaults

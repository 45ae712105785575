"""Reading a CSV file (plain or gzip) in blocks, with the row number of every row."""

import codecs
import csv
import gzip
import io
import re
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv

from customers.imports.problems import ImportRefused, Problems

GZIP_MAGIC = b"\x1f\x8b"
BLOCK_BYTES = 16 << 20
HEADER_BYTES = 1 << 20
CONTROL = re.compile(r"[\x00-\x1f\x7f]")
DELIMITERS = {",": "comma", ";": "semicolon", "\t": "tab", "|": "vertical bar"}
ENCODINGS = {"utf-8": "UTF-8", "cp1252": "Windows-1252", "latin-1": "ISO-8859-1"}


@dataclass
class Batch:
    """A block of rows as text, with each row's number as a spreadsheet shows it (the header is row 1)."""

    rows: np.ndarray
    frame: pd.DataFrame


class SourceFile:
    def __init__(self, path: Path, *, delimiter: str = ",", encoding: str = "utf-8") -> None:
        self.path = Path(path)
        self.delimiter = delimiter
        self.encoding = encoding
        self.size = self.path.stat().st_size

    @property
    def compressed(self) -> bool:
        with self.path.open("rb") as raw:
            return raw.read(2) == GZIP_MAGIC

    def header(self) -> list[str]:
        """The column names, refusing a file whose first line cannot be a header."""
        if self.size == 0:
            raise _refused("The file is empty.")
        try:
            first_line, more = self._first_line()
        except (OSError, EOFError, zlib.error) as error:
            raise _refused(f"The file looks compressed with gzip but cannot be read ({error}).") from None
        if len(first_line) >= HEADER_BYTES:
            raise _refused(f"The first line is longer than {HEADER_BYTES >> 20} MB; it should name the columns.", row=1)
        try:
            text = first_line.decode(self.encoding).lstrip("\ufeff")
        except UnicodeDecodeError:
            raise _refused(
                f"Row 1 (the header) is not valid {ENCODINGS.get(self.encoding, self.encoding)} text. "
                "Save the file as UTF-8 CSV, or choose its encoding.",
                row=1,
            ) from None
        if not text.strip():
            raise _refused("The first line of the file is empty; it should name the columns.", row=1)
        try:
            names = [name.strip() for name in next(csv.reader([text], delimiter=self.delimiter))]
        except csv.Error as error:
            raise _refused(f"The header cannot be read as CSV ({error}).", row=1) from None
        _check_names(names, self.delimiter)
        if not more:
            raise _refused("The file has a header but no rows.")
        return names

    def batches(
        self, names: list[str], problems: Problems, *, on_progress: Callable[[float], None] | None = None
    ) -> Iterator[Batch]:
        """Every data row, in blocks, as text columns named `names` (the header's names, normalised)."""
        skipped: list[int] = []

        def ragged_row(row: pa_csv.InvalidRow) -> str:
            if problems.full:
                return "error"  # stops the reader; the problems listed so far are the answer
            problems.add(
                f"has {row.actual_columns} fields but the header has {row.expected_columns}",
                row=row.number,
                value=row.text,
            )
            skipped.append(row.number)
            return "skip"

        raw = pa.OSFile(str(self.path))
        stream = pa.CompressedInputStream(raw, "gzip") if self.compressed else raw
        options = {
            "read_options": pa_csv.ReadOptions(
                use_threads=False, block_size=BLOCK_BYTES, skip_rows=1, column_names=names, encoding=self.encoding
            ),
            "parse_options": pa_csv.ParseOptions(delimiter=self.delimiter, invalid_row_handler=ragged_row),
            "convert_options": pa_csv.ConvertOptions(
                column_types={name: pa.string() for name in names}, strings_can_be_null=False
            ),
        }
        seen = 0
        try:
            reader = pa_csv.open_csv(stream, **options)  # reads the first block already
            while True:
                try:
                    record_batch = reader.read_next_batch()
                except StopIteration:
                    break
                rows = _row_numbers(seen, record_batch.num_rows, skipped)
                seen += record_batch.num_rows
                if on_progress:
                    on_progress(raw.tell() / self.size)
                yield Batch(rows=rows, frame=record_batch.to_pandas())
                if problems.full:
                    raise ImportRefused(problems)
        except pa.ArrowInvalid as error:
            if problems.full:
                raise ImportRefused(problems) from None
            raise self._unreadable(error, seen, problems) from None
        except OSError as error:
            problems.add(f"The file could not be read to its end ({error}).")
            raise ImportRefused(problems) from None
        finally:
            raw.close()
        if seen == 0 and not problems:
            raise _refused("The file has a header but no rows.")

    def _first_line(self) -> tuple[bytes, bool]:
        """The header line, and whether anything but blank lines follows it."""
        opener = gzip.open if self.compressed else open
        with opener(self.path, "rb") as handle:
            line = handle.readline(HEADER_BYTES)
            more = handle.read(4096).strip(b"\r\n") != b""
        return line.rstrip(b"\r\n"), more

    def _unreadable(self, error: pa.ArrowInvalid, seen: int, problems: Problems) -> ImportRefused:
        message = str(error)
        if "UTF8" in message or "UTF-8" in message:
            row = self._first_undecodable_row()
            problems.add(
                f"is not valid {ENCODINGS.get(self.encoding, self.encoding)} text. "
                "Save the file as UTF-8 CSV, or choose its encoding.",
                row=row,
            )
        elif "straddling" in message or "block size" in message:
            problems.add(
                f"A row after row {seen + 1} is longer than {BLOCK_BYTES >> 20} MB, or a quote is never closed.",
                row=seen + 2,
            )
        else:
            problems.add(f"The file could not be read as CSV after row {seen + 1}: {message}", row=seen + 2)
        return ImportRefused(problems)

    def _first_undecodable_row(self) -> int | None:
        decoder_factory = codecs.getincrementaldecoder(self.encoding)
        opener = gzip.open if self.compressed else open
        with opener(self.path, "rb") as handle:
            for number, line in enumerate(io.BufferedReader(handle), start=1):
                try:
                    decoder_factory().decode(line, final=True)
                except UnicodeDecodeError:
                    return number
        return None


def _row_numbers(seen: int, count: int, skipped: list[int]) -> np.ndarray:
    """Spreadsheet row numbers of the `count` valid rows after the first `seen`, past the skipped ragged rows."""
    valid = np.arange(seen, seen + count, dtype=np.int64)
    if not skipped:
        return valid + 2
    ordered = np.sort(np.asarray(skipped, dtype=np.int64))
    valid_rows_before_each = ordered - 2 - np.arange(len(ordered))
    return valid + 2 + np.searchsorted(valid_rows_before_each, valid, side="right")


def _check_names(names: list[str], delimiter: str) -> None:
    if len(names) == 1:
        for other, word in DELIMITERS.items():
            if other != delimiter and other in names[0]:
                raise _refused(
                    f"The header is a single column '{names[0][:80]}': the file seems to separate fields with a "
                    f"{word}, not a {DELIMITERS.get(delimiter, repr(delimiter))}. Choose that delimiter.",
                    row=1,
                )
    if any(CONTROL.search(name) for name in names):
        position = next(number for number, name in enumerate(names, start=1) if CONTROL.search(name))
        raise _refused(
            f"Column {position} of the header has a control character (such as a NUL byte or a line break); "
            "save the file as plain CSV text.",
            row=1,
        )
    if any(not name for name in names):
        position = names.index("") + 1
        raise _refused(f"Column {position} of the header has no name.", row=1)
    lowered = [name.lower() for name in names]
    repeated = sorted({name for name in names if lowered.count(name.lower()) > 1})
    if repeated:
        raise _refused(
            f"The header names the column {repeated[0].lower()} more than once ({', '.join(repeated)}).", row=1
        )


def _refused(message: str, *, row: int | None = None) -> ImportRefused:
    problems = Problems()
    problems.add(message, row=row)
    return ImportRefused(problems)

"""What rows in a file may refer to: customers by external id, stores and categories by code.

A lookup of a million external ids is made once per import and probed once per
block of rows. Arrow's `index_in` would rebuild its hash table of the million
ids for every block, so the ids are hashed here with a vectorised polynomial
hash, sorted once, and each block is found by binary search; every match is
then confirmed by comparing the strings themselves, so a hash collision can
only send a row down the slower exact path, never to the wrong customer.
"""

import io
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
from django.db import connection

MULTIPLIER = np.uint64(0x100000001B3)
# Below this many codes Arrow's own lookup, which hashes the codes on every call, is the faster one.
SMALL_LOOKUP = 4096
MAX_KEY_BYTES = 256
POWERS = np.cumprod(np.full(MAX_KEY_BYTES, MULTIPLIER, dtype=np.uint64), dtype=np.uint64)


def string_hashes(array: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """A 64-bit hash of every string (null and empty hash alike), computed over Arrow's buffers in bulk."""
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    array = array.cast(pa.large_string())
    count = len(array)
    if count == 0:
        return np.zeros(0, dtype=np.uint64)
    offsets = np.frombuffer(array.buffers()[1], dtype=np.int64, count=count + 1, offset=array.offset * 8)
    data = (
        np.frombuffer(array.buffers()[2], dtype=np.uint8) if array.buffers()[2] is not None else np.zeros(0, np.uint8)
    )
    # Bytes past MAX_KEY_BYTES are not hashed (longer keys only take the exact path more often).
    starts, full_lengths = offsets[:-1], np.diff(offsets)
    lengths = np.minimum(full_lengths, MAX_KEY_BYTES)
    hashes = full_lengths.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15)
    total = int(lengths.sum())
    if total:
        position = np.arange(total) - np.repeat(np.cumsum(lengths) - lengths, lengths)
        byte_index = np.repeat(starts, lengths) + position
        terms = data[byte_index].astype(np.uint64) * POWERS[position]
        nonempty = lengths > 0
        sums = np.add.reduceat(terms, (np.cumsum(lengths) - lengths)[nonempty])
        hashes[nonempty] ^= sums
    hashes ^= hashes >> np.uint64(29)
    hashes *= np.uint64(0xBF58476D1CE4E5B9)
    hashes ^= hashes >> np.uint64(32)
    return hashes


@dataclass
class Lookup:
    """Codes (or external ids) and the ids they stand for."""

    codes: pa.Array
    ids: np.ndarray
    order: np.ndarray = field(init=False)
    sorted_hashes: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        hashes = string_hashes(self.codes) if len(self.codes) > SMALL_LOOKUP else np.zeros(0, np.uint64)
        self.order = np.argsort(hashes, kind="stable")
        self.sorted_hashes = hashes[self.order]

    def find(self, values: pa.Array) -> np.ndarray:
        """The id of every value, -1 where there is none."""
        found = np.full(len(values), -1, dtype=np.int64)
        if not len(self.ids) or not len(values):
            return found
        if len(self.ids) <= SMALL_LOOKUP:
            return self._find_exactly(values, found, np.arange(len(values)))
        hashes = string_hashes(values)
        # Binary search runs several times faster on needles in order: it starts each from the last.
        needle_order = np.argsort(hashes)
        slot = np.empty(len(hashes), dtype=np.int64)
        slot[needle_order] = np.searchsorted(self.sorted_hashes, hashes[needle_order])
        slot = np.minimum(slot, len(self.order) - 1)
        candidate = self.order[slot]
        confirmed = pc.fill_null(pc.equal(values, self.codes.take(pa.array(candidate))), False).to_numpy(
            zero_copy_only=False
        )
        found[confirmed] = self.ids[candidate[confirmed]]
        unconfirmed = np.flatnonzero(~confirmed & (self.sorted_hashes[slot] == hashes))
        if len(unconfirmed):
            # A hash shared by two different strings: ask Arrow's exact lookup.
            self._find_exactly(values, found, unconfirmed)
        return found

    def _find_exactly(self, values: pa.Array, found: np.ndarray, which: np.ndarray) -> np.ndarray:
        exact = pc.index_in(values.take(pa.array(which)), value_set=self.codes)
        positions = pc.fill_null(exact, -1).to_numpy(zero_copy_only=False).astype(np.int64)
        found[which] = np.where(positions >= 0, self.ids[np.maximum(positions, 0)], -1)
        return found


def lookup(table: str, code_column: str, *extra: str) -> tuple[Lookup, pd.DataFrame]:
    """All codes of `table` with their ids, plus `extra` columns by id, read with one COPY."""
    columns = ", ".join([f'"{code_column}"', "id", *(f'"{name}"' for name in extra)])
    buffer = io.BytesIO()
    with connection.cursor() as cursor:
        cursor.copy_expert(f'COPY (SELECT {columns} FROM "{table}") TO STDOUT WITH (FORMAT csv)', buffer)
    buffer.seek(0)
    names = ["code", "id", *extra]
    types = {"code": pa.string(), "id": pa.int64()} | {name: pa.string() for name in extra}
    if not buffer.getbuffer().nbytes:  # an empty table (no categories yet) writes nothing, not even a line
        table_data = pa.table({name: pa.array([], type=types[name]) for name in names})
    else:
        table_data = pa_csv.read_csv(
            buffer,
            read_options=pa_csv.ReadOptions(column_names=names),
            convert_options=pa_csv.ConvertOptions(column_types=types, strings_can_be_null=False),
        )
    ids = table_data.column("id").to_numpy()
    details = table_data.select(["id", *extra]).to_pandas().set_index("id") if extra else pd.DataFrame()
    return Lookup(codes=table_data.column("code").combine_chunks(), ids=ids), details

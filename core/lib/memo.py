"""Figures that are slow to make and rarely change, made once and kept in the cache under what they depend on.

A key names the data it was made from: a data version (see `core.selectors.jobs_version`) for figures read from
tables that only jobs write, or a digest of the rows themselves for figures made from a cheap query. A figure is
never looked up by who asks for it: two people get the same entry only when it was made from the same data, so
no one sees another's figures, and new data is a new key, so no one sees old figures after a job.
"""

import hashlib
import pickle
from collections.abc import Callable
from typing import TypeVar

from django.core.cache import cache

Figure = TypeVar("Figure")

# Entries are found by their key, never expired for correctness: the timeout only returns memory.
KEEP_SECONDS = 3600


def digest(*inputs: object) -> str:
    """A short fingerprint of plain data (lists, dicts, dates, numbers, dataclasses of them)."""
    return hashlib.blake2b(pickle.dumps(inputs, protocol=5), digest_size=16).hexdigest()


def remembered(key: str, make: Callable[[], Figure], *, seconds: int = KEEP_SECONDS) -> Figure:
    """The figure kept under `key`, made by `make` the first time it is asked for (and again after `seconds`)."""
    figure = cache.get(key)
    if figure is None:
        figure = make()
        cache.set(key, figure, seconds)
    return figure

import numpy as np
import pyarrow as pa
import pytest

from customers.imports import references
from customers.imports.references import Lookup, string_hashes


def test_it_finds_every_code_and_nothing_else():
    codes = pa.array([f"C{n}" for n in range(20_000)])
    lookup = Lookup(codes=codes, ids=np.arange(20_000) * 7)
    probe = pa.array(["C0", "C19999", "C20000", "", None, "c5", "C5 ", "x" * 500])
    assert lookup.find(probe).tolist() == [0, 19_999 * 7, -1, -1, -1, -1, -1, -1]


def test_a_hash_shared_by_two_codes_still_finds_the_right_one(monkeypatch):
    real = references.string_hashes
    monkeypatch.setattr(references, "string_hashes", lambda array: real(array) & np.uint64(0b11))
    codes = pa.array([f"K{n}" for n in range(5_000)])
    lookup = Lookup(codes=codes, ids=np.arange(5_000))
    wanted = [4_999, 0, 17, 2_500]
    assert lookup.find(pa.array([f"K{n}" for n in wanted] + ["K5000"])).tolist() == [*wanted, -1]


@pytest.mark.parametrize("values", [["a", "b"], ["ab", "ba"], ["", "a"], ["x" * 300, "x" * 301]])
def test_different_strings_hash_differently(values):
    hashes = string_hashes(pa.array(values))
    assert hashes[0] != hashes[1]


def test_hashes_do_not_depend_on_how_the_array_was_sliced():
    array = pa.array(["alpha", "beta", "gamma", "delta"])
    assert string_hashes(array.slice(2)).tolist() == string_hashes(pa.array(["gamma", "delta"])).tolist()

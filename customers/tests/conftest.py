from pathlib import Path

import pytest

from customers.imports.run import import_file


@pytest.fixture
def write_file(tmp_path: Path):
    """Write text (or bytes) to a file in the test's folder and return its path."""

    def write(name: str, content: str | bytes) -> Path:
        path = tmp_path / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        return path

    return write


@pytest.fixture
def load(write_file):
    """Import CSV text as `kind`, the way a user's file is imported."""

    def run(kind: str, content: str | bytes, **options: object) -> dict:
        return import_file(kind=kind, path=write_file(f"{kind}.csv", content), **options)

    return run


@pytest.fixture
def shop(db, load):
    """Two stores, two categories and three customers, imported."""
    load("stores", "code,name,region\nS1,High Street,North\nS2,Harbour,South\n")
    load("categories", "code,name,margin_rate\nFOOD,Food,0.25\nHOME,Home,0.40\n")
    load(
        "customers",
        "external_id,name,email,home_store,consent_email\n"
        "A1,Ann Archer,ann@example.com,S1,yes\n"
        "B2,Bob Baker,bob@example.com,S2,no\n"
        "C3,Cy Cooper,,S1,1\n",
    )

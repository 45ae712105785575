"""Presets: how a foreign file's columns become Campaign Desk's.

`online_retail` reads the UCI Online Retail file (InvoiceNo, StockCode,
Description, Quantity, InvoiceDate, UnitPrice, CustomerID, Country). A
purchases import with it also creates the customers the lines name (from
CustomerID and Country; first purchase as sign-up date) and the category
GIFTS. The file has no costs, so margins come from that category's margin
rate: 40% unless an admin sets another before importing. Lines without a
CustomerID cannot be tied to a customer: they are skipped and counted.
Cancelled invoices (numbers starting with C) carry negative quantities and
become return lines.
"""

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd

from customers.imports.fields import Column
from customers.imports.kinds import KINDS
from customers.imports.problems import ImportRefused, Problems
from customers.imports.source import Batch, SourceFile
from customers.imports.steps import ProgressCallback, Step
from customers.models import Category

ONLINE_RETAIL_COLUMNS = [
    "InvoiceNo",
    "StockCode",
    "Description",
    "Quantity",
    "InvoiceDate",
    "UnitPrice",
    "CustomerID",
    "Country",
]
GIFTS = {"code": "GIFTS", "name": "Gifts and homeware", "margin_rate": "0.40"}


@dataclass(frozen=True)
class OnlineRetail:
    name: str = "online_retail"
    label: str = "UCI Online Retail (invoice lines)"
    kinds: tuple[str, ...] = ("customers", "purchases")

    def before(self, kind: str) -> None:
        if kind == "purchases":
            Category.objects.get_or_create(code=GIFTS["code"], defaults=GIFTS)

    def steps(self, kind: str, source: SourceFile) -> list[Step]:
        header = source.header()
        missing = [column for column in ONLINE_RETAIL_COLUMNS if column not in header]
        if missing:
            problems = Problems()
            problems.add(f"This is not an Online Retail file: it lacks {', '.join(missing)}.", row=1, column=missing[0])
            raise ImportRefused(problems)
        customers = Step(
            kind=KINDS["customers"],
            columns=["external_id", "region", "signup_date"],
            batches=lambda problems, on_progress: self._customers(source, header, problems, on_progress),
        )
        if kind == "customers":
            return [customers]
        skipped: dict[str, int] = {}
        purchases = Step(
            kind=KINDS["purchases"],
            columns=[
                "line_id",
                "customer_id",
                "purchased_at",
                "quantity",
                "revenue",
                "order_ref",
                "channel",
                "category",
            ],
            batches=lambda problems, on_progress: self._purchases(source, header, problems, on_progress, skipped),
            skipped=skipped,
        )
        return [customers, purchases]

    def _customers(
        self, source: SourceFile, header: list[str], problems: Problems, on_progress: ProgressCallback
    ) -> Iterator[Batch]:
        """One batch at the end: each customer once, with the country of their latest line."""
        parts = []
        for batch in source.batches(header, problems, on_progress=on_progress):
            named = batch.frame["CustomerID"].str.strip() != ""
            parts.append(
                pd.DataFrame(
                    {
                        "external_id": _customer_ids(batch.frame["CustomerID"][named]),
                        "region": batch.frame["Country"][named].str.strip(),
                        "at": batch.frame["InvoiceDate"][named].str.strip(),
                        "row": batch.rows[named.to_numpy()],
                    }
                )
            )
        lines = pd.concat(parts, ignore_index=True).sort_values(["external_id", "at", "row"])
        grouped = lines.groupby("external_id", sort=False)
        customers = pd.DataFrame(
            {
                "external_id": grouped["external_id"].first(),
                "region": grouped["region"].last(),
                "signup_date": grouped["at"].first().str[:10],
                "row": grouped["row"].min(),
            }
        ).reset_index(drop=True)
        yield Batch(rows=customers.pop("row").to_numpy(), frame=customers.astype("str"))

    def _purchases(
        self,
        source: SourceFile,
        header: list[str],
        problems: Problems,
        on_progress: ProgressCallback,
        skipped: dict[str, int],
    ) -> Iterator[Batch]:
        skipped["lines without a CustomerID"] = 0
        for batch in source.batches(header, problems, on_progress=on_progress):
            named = (batch.frame["CustomerID"].str.strip() != "").to_numpy()
            skipped["lines without a CustomerID"] += int((~named).sum())
            frame, rows = batch.frame[named], batch.rows[named]
            quantity = Column("Quantity", frame["Quantity"], rows, problems).number()
            price = Column("UnitPrice", frame["UnitPrice"], rows, problems).number()
            revenue = np.round(quantity * price, 2)
            yield Batch(
                rows=rows,
                frame=pd.DataFrame(
                    {
                        "line_id": "OR" + pd.Series(rows, index=frame.index).astype("str"),
                        "customer_id": _customer_ids(frame["CustomerID"]),
                        "purchased_at": frame["InvoiceDate"],
                        "quantity": frame["Quantity"],
                        "revenue": pd.Series(revenue, index=frame.index).map("{:.2f}".format),
                        "order_ref": frame["InvoiceNo"],
                        "channel": "online",
                        "category": GIFTS["code"],
                    }
                ).astype("str"),
            )


def _customer_ids(values: pd.Series) -> pd.Series:
    """CustomerID is written as a float (17850.0): the id is its whole part."""
    return values.str.strip().str.replace(r"\.0+$", "", regex=True)


PRESETS = {preset.name: preset for preset in [OnlineRetail()]}

from datetime import date

import pytest

from customers.imports.run import import_file

AS_OF = date(2026, 6, 30)  # the features count the purchases made on this day or before


@pytest.fixture
def history(db, tmp_path):
    """Five customers whose purchases are worked out by hand in the tests.

    ann: three orders (two lines in the first), the last on 2026-06-21, 9 days before 2026-06-30.
    bob: one order on 2026-06-01 (29 days) and a return of part of it on 2026-06-05.
    cat: two orders, the last on 2025-06-01 (394 days), both outside a 365-day window.
    dan: one order on 2026-02-01 (149 days).
    eve: signed up, never bought.
    """

    def write(name: str, text: str):
        path = tmp_path / f"{name}.csv"
        path.write_text(text)
        return import_file(kind=name, path=path)

    write("stores", "code,name,region\nS1,High Street,North\nS2,Harbour,South\n")
    write("categories", "code,name,margin_rate\nFOOD,Food,0.25\nHOME,Home,0.40\n")
    write(
        "customers",
        "external_id,name,home_store,signup_date,birth_year,consent_email,consent_sms\n"
        "ann,Ann,S1,2025-01-01,1980,yes,no\n"
        "bob,Bob,S2,2026-05-20,1995,no,yes\n"
        "cat,Cat,S1,2024-12-01,1970,yes,yes\n"
        "dan,Dan,S2,2026-01-15,2001,no,no\n"
        "eve,Eve,S1,2026-06-01,1990,yes,no\n",
    )
    write(
        "purchases",
        "line_id,customer_id,purchased_at,quantity,revenue,order_ref,store,channel,category,margin\n"
        "a1,ann,2026-01-10 10:00:00,1,30.00,A1,S1,store,FOOD,\n"
        "a2,ann,2026-01-10 10:00:00,2,70.00,A1,S1,store,HOME,\n"
        "a3,ann,2026-03-15 12:00:00,1,50.00,A2,S1,store,FOOD,\n"
        "a4,ann,2026-06-21 18:00:00,1,100.00,A3,,online,HOME,\n"
        "b1,bob,2026-06-01 09:00:00,4,80.00,B1,S2,store,FOOD,\n"
        "b2,bob,2026-06-05 09:00:00,-1,-20.00,B2,S2,store,FOOD,\n"
        "c1,cat,2025-05-01 10:00:00,1,10.00,C1,S1,store,FOOD,\n"
        "c2,cat,2025-06-01 10:00:00,1,10.00,C2,S1,store,FOOD,\n"
        "d1,dan,2026-02-01 15:00:00,1,45.00,D1,S2,store,HOME,\n",
    )

"""Features and stages on a small history, checked against values worked out by hand."""

from datetime import date

import pytest

from customers.imports.run import import_file
from segments.models import CustomerCategoryShare, CustomerFeatures, FeatureRun, StageAssignment
from segments.selectors import migration_matrix
from segments.services import features_refresh, staging_run
from segments.tests.conftest import AS_OF


@pytest.fixture
def described(history):
    features_refresh(as_of=AS_OF, window_days=365)
    return {row.customer.external_id: row for row in CustomerFeatures.objects.select_related("customer", "stage")}


def test_recency_frequency_and_money_are_as_worked_out(described):
    ann = described["ann"]
    # Days from the day of the last purchase, 2026-06-21, to the as-of date 2026-06-30.
    assert (ann.recency_days, ann.frequency, ann.orders_lifetime) == (9, 3, 3)
    assert (ann.revenue_cents, ann.margin_cents, ann.aov_cents) == (
        25_000,
        3_000 * 0.25 + 7_000 * 0.4 + 5_000 * 0.25 + 10_000 * 0.4,
        25_000 // 3,
    )
    assert (ann.tenure_days, ann.first_purchase_days) == (545, 171)
    assert (ann.last_channel, ann.last_store_id) == ("online", None)
    bob = described["bob"]
    assert (bob.recency_days, bob.frequency, bob.revenue_cents, bob.returns_cents) == (29, 1, 8_000, -2_000)
    assert (bob.last_channel, bob.last_store.code) == ("store", "S2")


def test_purchases_outside_the_window_count_for_recency_but_not_for_frequency(described):
    cat = described["cat"]
    assert (cat.recency_days, cat.frequency, cat.orders_lifetime, cat.revenue_cents) == (394, 0, 2, 0)
    assert cat.aov_cents is None


def test_a_customer_who_never_bought_has_no_recency_and_no_scores(described):
    eve = described["eve"]
    assert (eve.recency_days, eve.frequency, eve.orders_lifetime, eve.r_score, eve.last_channel) == (
        None,
        0,
        0,
        None,
        None,
    )
    assert (eve.region, eve.consent_email, eve.birth_year) == ("North", True, 1990)


def test_rfm_scores_rank_the_buyers_in_fifths(described):
    # Four buyers: recency ann 9 < bob 29 < dan 149 < cat 394; the fifth of ranks 1-4 of four is 1, 2, 3, 4.
    assert [described[name].r_score for name in ("cat", "dan", "bob", "ann")] == [1, 2, 3, 4]


def test_customers_who_behave_alike_get_the_same_score_whatever_their_ids(described):
    # Frequency: cat 0, bob 1, dan 1, ann 3. Bob and dan tie at rank 2 and share its fifth; ann is fourth of four.
    assert [described[name].f_score for name in ("cat", "bob", "dan", "ann")] == [1, 2, 2, 4]


def test_category_shares_split_the_window_spend(described):
    shares = {
        (row.customer.external_id, row.category.code): row.share
        for row in CustomerCategoryShare.objects.select_related("customer", "category")
    }
    assert shares[("ann", "FOOD")] == pytest.approx(80 / 250)
    assert shares[("ann", "HOME")] == pytest.approx(170 / 250)
    assert shares[("bob", "FOOD")] == 1.0
    assert ("cat", "FOOD") not in shares  # outside the window
    # How long ago each bought in the category: what offers of that category are scored on.
    last = {
        (row.customer.external_id, row.category.code): row.last_purchase_days
        for row in CustomerCategoryShare.objects.select_related("customer", "category")
    }
    assert last == {("ann", "FOOD"): 107, ("ann", "HOME"): 9, ("bob", "FOOD"): 29, ("dan", "HOME"): 149}


def test_every_customer_gets_exactly_the_stage_worked_out(described):
    stages = {name: row.stage.code for name, row in described.items()}
    # ann's RFM total is 4 + 4 + 4 = 12 (four buyers fill only four fifths), short of Best customer's 13.
    assert stages == {"ann": "repurchase", "bob": "new", "cat": "lapsed", "dan": "at_risk", "eve": "prospect"}


def test_a_refresh_is_versioned_and_replaces_the_features_whole(described, history):
    features_refresh(as_of=date(2026, 1, 1), window_days=365)
    assert list(FeatureRun.objects.values_list("version", flat=True)) == [2, 1]
    described_then = {row.customer.external_id: row for row in CustomerFeatures.objects.select_related("customer")}
    # On 2026-01-01 bob, dan and eve had not signed up; cat had; ann had not bought yet.
    assert set(described_then) == {"ann", "cat"}
    assert described_then["ann"].orders_lifetime == 0


def test_staging_keeps_history_per_period_and_counts_migration(history):
    staging_run(period_end=date(2026, 3, 31))
    staging_run(period_end=date(2026, 6, 30))
    first = dict(
        StageAssignment.objects.filter(period_end=date(2026, 3, 31)).values_list("customer__external_id", "stage__code")
    )
    # cat's last order (2025-06-01) was 303 days before 2026-03-31: at risk, not yet lapsed.
    assert first == {"ann": "new", "cat": "at_risk", "dan": "new"}
    matrix = migration_matrix(date(2026, 3, 31), date(2026, 6, 30))
    assert matrix.loc["New", "Repurchase"] == 1  # ann
    assert matrix.loc["New", "At risk"] == 1  # dan
    assert matrix.loc["At risk", "Lapsed"] == 1  # cat
    assert matrix.loc["(joined)", "New"] == 1  # bob joined in May
    assert matrix.loc["(joined)", "Prospect"] == 1  # eve
    assert int(matrix.to_numpy().sum()) == 5


@pytest.mark.django_db(transaction=True)
def test_a_refresh_in_its_own_transaction_sums_the_shares_on_a_second_connection_to_the_same_figures(history):
    from django.db import connection

    assert not connection.in_atomic_block  # as in a worker: the shares are computed beside the features
    with connection.cursor() as cursor:  # left by a refresh whose server process is gone
        cursor.execute("CREATE TABLE segments_customercategoryshare__next_999999 (id int)")
    features_refresh(as_of=AS_OF, window_days=365)
    shares = {
        (row.customer.external_id, row.category.code): row.share
        for row in CustomerCategoryShare.objects.select_related("customer", "category")
    }
    assert shares == {
        ("ann", "FOOD"): pytest.approx(80 / 250),
        ("ann", "HOME"): pytest.approx(170 / 250),
        ("bob", "FOOD"): 1.0,
        ("dan", "HOME"): 1.0,
    }
    assert CustomerFeatures.objects.get(customer__external_id="ann").frequency == 3
    with connection.cursor() as cursor:
        cursor.execute("SELECT relname FROM pg_class WHERE relname LIKE 'segments_customer%%__next%%'")
        assert cursor.fetchall() == []  # the second connection's table took the shares' place; the stale one went


def test_margins_that_are_unknown_stay_unknown_in_the_features(history, tmp_path):
    path = tmp_path / "more.csv"
    path.write_text(
        "line_id,customer_id,purchased_at,quantity,revenue,order_ref\n"
        "d2,dan,2026-06-10 10:00:00,1,15.00,D2\n"
        "e1,eve,2026-06-11 10:00:00,1,20.00,E1\n"
    )
    import_file(kind="purchases", path=path)
    features_refresh(as_of=AS_OF, window_days=365)
    margins = {
        row.customer.external_id: (row.revenue_cents, row.margin_cents, row.margin_known_share)
        for row in CustomerFeatures.objects.select_related("customer")
    }
    assert margins["dan"] == (6_000, 1_800, 0.75)  # 45.00 of HOME at 40%, and 15.00 with no margin
    assert margins["eve"] == (2_000, None, 0.0)
    assert margins["cat"] == (0, 0, None)  # no sales in the window: no margin, nothing unknown

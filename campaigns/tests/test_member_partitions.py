"""Each campaign's audience in a partition of its own: a build replaces its campaign's members and no other's, takes
over members written before the campaign had a partition, and lets readers of other campaigns read on."""

import threading

import pytest
from django.db import connection, connections

from campaigns.models import AudienceMember, Campaign
from campaigns.services import audience as audience_module
from campaigns.services import audience_build
from campaigns.services.members import DEFAULT_PARTITION, members_partition, partition_name
from campaigns.tests.conftest import population
from customers.imports.run import import_file


def stored_in(campaign) -> set[str]:
    """The tables that hold the campaign's members."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT tableoid::regclass::text FROM campaigns_audiencemember WHERE campaign_id = %s",
            [campaign.pk],
        )
        return {name for (name,) in cursor.fetchall()}


def audience(campaign) -> dict[int, tuple[int, bool]]:
    return {m.customer_id: (m.treatment_id, m.is_control) for m in AudienceMember.objects.filter(campaign=campaign)}


def test_a_rebuild_replaces_its_campaigns_members_and_leaves_another_campaigns_alone(no_global_control, make_campaign):
    population(200)
    first = make_campaign("Spring", treatments=[{"holdout_share": "0.1"}])
    second = make_campaign("Summer", treatments=[{"holdout_share": "0.5"}])
    audience_build(campaign=first)
    audience_build(campaign=second)
    summer = audience(second)
    first.treatments.update(holdout_share="0.9")
    build = audience_build(campaign=first)
    assert stored_in(first) == {partition_name(first.pk)} and stored_in(second) == {partition_name(second.pk)}
    controls = sum(is_control for _, is_control in audience(first).values())
    assert len(audience(first)) == 200 and controls == build.counts["A"]["control"] > 150
    assert audience(second) == summer


def test_members_written_before_the_campaign_had_a_partition_are_replaced_by_its_first_build(
    no_global_control, make_campaign
):
    customers = population(50)
    campaign = make_campaign(treatments=[{"holdout_share": "0"}])
    treatment = campaign.treatments.get()
    # Members left by an installation of before partitions, or written by a script: in the default partition.
    AudienceMember.objects.bulk_create(
        AudienceMember(campaign=campaign, customer=customer, treatment=treatment, is_control=True)
        for customer in customers[:30]
    )
    assert stored_in(campaign) == {DEFAULT_PARTITION}
    audience_build(campaign=campaign)
    assert stored_in(campaign) == {partition_name(campaign.pk)}
    assert len(audience(campaign)) == 50 and not any(is_control for _, is_control in audience(campaign).values())


def test_a_campaigns_partition_takes_over_its_members_from_the_default_partition(no_global_control, make_campaign):
    customers = population(20)
    campaign = make_campaign()
    treatment = campaign.treatments.get()
    AudienceMember.objects.bulk_create(
        AudienceMember(campaign=campaign, customer=customer, treatment=treatment, is_control=n % 2 == 0)
        for n, customer in enumerate(customers)
    )
    before = audience(campaign)
    with connection.cursor() as cursor:
        assert members_partition(cursor, campaign.pk) == partition_name(campaign.pk)
        assert members_partition(cursor, campaign.pk) == partition_name(campaign.pk)  # made once
    assert audience(campaign) == before and stored_in(campaign) == {partition_name(campaign.pk)}


def test_imported_contacts_land_in_their_campaigns_own_partitions(db, tmp_path):
    customers = tmp_path / "customers.csv"
    customers.write_text("external_id,name\nC-1,Ann\nC-2,Bob\nC-3,Cy\n")
    import_file(kind="customers", path=customers)
    contacts = tmp_path / "contacts.csv"
    contacts.write_text(
        "customer_id,campaign,treatment,cell,contacted_at\n"
        "C-1,Spring,A,treatment,2026-03-02\nC-2,Spring,A,control,2026-03-02\nC-3,Autumn,A,treatment,2026-09-01\n"
    )
    import_file(kind="contacts", path=contacts)
    spring, autumn = (Campaign.objects.get(name=name) for name in ("Spring", "Autumn"))
    assert stored_in(spring) == {partition_name(spring.pk)} and stored_in(autumn) == {partition_name(autumn.pk)}
    assert len(audience(spring)) == 2 and len(audience(autumn)) == 1


@pytest.mark.django_db(transaction=True)
def test_another_campaigns_audience_can_be_read_while_a_build_writes(no_global_control, make_campaign, monkeypatch):
    population(100)
    building = make_campaign("Spring", treatments=[{"holdout_share": "0.2"}])
    other = make_campaign("Summer")
    audience_build(campaign=other)
    written, may_commit = threading.Event(), threading.Event()
    balance = audience_module._balance

    def hold_before_commit(treated, control):
        written.set()
        may_commit.wait(timeout=30)
        return balance(treated, control)

    # The build waits with its new members written and its campaign's partition emptied and refilled.
    monkeypatch.setattr(audience_module, "_balance", hold_before_commit)

    def build() -> None:
        try:
            audience_build(campaign=building)
        finally:
            connections.close_all()

    thread = threading.Thread(target=build)
    thread.start()
    try:
        assert written.wait(timeout=30)
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '2s'")
            try:
                assert len(audience(other)) == 100
                cursor.execute("SELECT count(*) FROM campaigns_audiencemember WHERE campaign_id = %s", [other.pk])
                assert cursor.fetchone()[0] == 100
            finally:
                cursor.execute("RESET lock_timeout")
    finally:
        may_commit.set()
        thread.join()
    assert len(audience(building)) == 100

"""A worker child killed in the middle of an import: the job is started again within a minute, the
import lands once, and the uploaded file is removed after."""

import os
import signal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connections

from core.models import Job
from core.tests.workers import children_of, kill_group, wait_for, worker_process
from customers.models import Customer
from customers.services import upload_store
from customers.tasks import data_import_submit

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

CUSTOMERS = "external_id,name,email\n" + "".join(f"K{n},Customer {n},k{n}@example.com\n" for n in range(500))


def test_a_killed_worker_child_has_its_import_retried_and_its_upload_removed(marketer):
    worker = worker_process()
    blocker = connections.create_connection("default")
    try:
        wait_for(lambda: children_of(worker.pid), what="the worker's pool")
        # Hold the customers table, so the import is caught while it runs.
        blocker.set_autocommit(False)
        with blocker.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {Customer._meta.db_table} IN ACCESS EXCLUSIVE MODE")
        path = upload_store(SimpleUploadedFile("customers.csv", CUSTOMERS.encode()))
        job = data_import_submit(
            kind="customers", path=path, file_name="customers.csv", owner=marketer, uploaded=True
        ).job
        wait_for(lambda: Job.objects.get(pk=job.pk).status == "running", what="the import running")
        [child] = children_of(worker.pid)
        os.kill(child, signal.SIGKILL)
        blocker.rollback()

        took = wait_for(lambda: Job.objects.get(pk=job.pk).status == "succeeded", what="the import retried")
        job.refresh_from_db()
        # The worker marks the job succeeded, then removes its files: a worker killed in between leaves a
        # finished job with its upload, never a retried one without it.
        wait_for(lambda: not path.parent.exists(), seconds=10, what="the upload removed")
    finally:
        blocker.close()
        kill_group(worker)
    assert took < 60
    assert (job.attempts, job.max_attempts) == (2, 3)
    assert Customer.objects.filter(external_id__startswith="K").count() == 500

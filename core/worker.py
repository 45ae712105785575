"""What a Celery worker's main process adds to the worker: a heartbeat and the sweep for lost jobs."""

import logging
import os
import threading
from typing import Any

from celery import bootsteps
from django.conf import settings
from django.db import DatabaseError, connection
from django.utils import timezone

logger = logging.getLogger(__name__)


class HeartbeatStep(bootsteps.StartStopStep):
    """Every WORKER_HEARTBEAT_SECONDS: report this worker alive (for /healthz and the Jobs page) and run
    `jobs_recover`, so that any living worker sends again the jobs of one that died."""

    requires = {"celery.worker.components:Pool"}

    def __init__(self, worker: Any, **kwargs: Any) -> None:
        super().__init__(worker, **kwargs)
        self.stopped = threading.Event()
        self.thread: threading.Thread | None = None

    def start(self, worker: Any) -> None:
        queues = ",".join(sorted(worker.app.amqp.queues.consume_from or worker.app.amqp.queues))
        self.thread = threading.Thread(
            target=self._beat, args=(worker.hostname, queues), name="worker-heartbeat", daemon=True
        )
        self.thread.start()

    def stop(self, worker: Any) -> None:
        from core.services import worker_forget

        self.stopped.set()
        if self.thread is not None:
            self.thread.join(timeout=10)
        try:
            worker_forget(hostname=worker.hostname)
        except DatabaseError as error:
            logger.warning("The worker could not sign off (%s); its heartbeat will simply age.", error)
        finally:
            connection.close()

    def terminate(self, worker: Any) -> None:
        self.stop(worker)

    def _beat(self, hostname: str, queues: str) -> None:
        from core.services import jobs_recover, worker_report

        started_at = timezone.now()
        while True:
            try:
                worker_report(hostname=hostname, pid=os.getpid(), queues=queues, started_at=started_at)
                recovered = jobs_recover()
                if any(recovered.values()):
                    logger.warning("Lost jobs recovered: %s", recovered)
            except Exception:  # the database may be away for a while: keep beating once it is back
                logger.exception("Worker heartbeat not written; trying again.")
                connection.close()
            if self.stopped.wait(settings.WORKER_HEARTBEAT_SECONDS):
                connection.close()
                return

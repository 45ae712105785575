import os
import sys
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from core import embedded_postgres
from core.services import demo_users_ensure, jobs_recover
from core.supervisor import Supervisor, control_socket, procfile_commands, serve
from customers.models import Customer
from desk.tasks import demo_data_enqueue

User = get_user_model()


class Command(BaseCommand):
    help = (
        "Run Campaign Desk on this machine: prepare the database, load demo data into an empty one, "
        "then serve the web app, a Celery worker and the beat scheduler, restarting any that dies, until Ctrl-C."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--customers", type=int, default=50_000, help="demo customers for an empty database")
        parser.add_argument("--no-demo", action="store_true", help="do not load demo data")

    def handle(self, *args: object, customers: int, no_demo: bool, **options: object) -> None:
        pg_dir = settings.DATA_DIR / "pg"
        started_here = settings.EMBEDDED_DATABASE and not embedded_postgres.is_running(pg_dir)
        try:
            call_command("migrate", interactive=False, verbosity=0)
            logins = demo_users_ensure()
            if settings.EMBEDDED_DATABASE:
                self._recover_jobs()
            if not no_demo and not Customer.objects.exists():
                job = demo_data_enqueue(
                    customers=customers, seed=1, end=timezone.localdate(), owner=User.objects.get(username="admin")
                )
                self.stdout.write(f"The database is empty: the worker is loading demo data (job {job.pk}).")
            self._print_welcome(logins)
            self._serve()
        finally:
            if started_here:
                embedded_postgres.stop(pg_dir)
                self.stdout.write("Embedded PostgreSQL stopped.")

    def _recover_jobs(self) -> None:
        """No worker uses this machine's own database before the one started below: a running job lost its."""
        recovered = jobs_recover(dead_after=timedelta(0))
        if recovered["retried"] or recovered["failed"]:
            self.stdout.write(
                f"Jobs left running when the desk last stopped: {recovered['retried']} queued again, "
                f"{recovered['failed']} marked failed."
            )

    def _print_welcome(self, logins: list[tuple[str, str, str]]) -> None:
        url = f"http://{settings.RUN_HOST}:{settings.RUN_PORT}/"
        self.stdout.write(self.style.SUCCESS(f"\nCampaign Desk: {url}"))
        for username, password, role in logins:
            self.stdout.write(f"  {role:<14} {username} / {password}")
        self.stdout.write("Press Ctrl-C to stop.\n")

    def _serve(self) -> None:
        """Run the Procfile's processes under the supervisor until Ctrl-C or SIGTERM, before the database stops."""
        # The Procfile names gunicorn and celery: find them beside this Python (the project's venv).
        path = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
        supervisor = Supervisor(
            procfile_commands(settings.BASE_DIR / "Procfile"),
            env={**os.environ, "PATH": path, "GUNICORN_CONTROL_SOCKET": str(control_socket(settings.DATA_DIR))},
            cwd=settings.BASE_DIR,
            out=self.stdout,
        )
        serve(supervisor)

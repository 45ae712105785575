import os
import signal
import subprocess
import sys
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from core import embedded_postgres
from core.demo import demo_data_enqueue
from core.services import demo_users_ensure, jobs_fail_orphaned
from customers.models import Customer

User = get_user_model()


class Command(BaseCommand):
    help = (
        "Run Campaign Desk on this machine: prepare the database, load demo data into an empty one, "
        "then serve the web app and one Celery worker until Ctrl-C."
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
            orphaned = jobs_fail_orphaned()
            if orphaned:
                self.stdout.write(f"{orphaned} job(s) left running by an earlier run were marked failed.")
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

    def _print_welcome(self, logins: list[tuple[str, str, str]]) -> None:
        url = f"http://{settings.RUN_HOST}:{settings.RUN_PORT}/"
        self.stdout.write(self.style.SUCCESS(f"\nCampaign Desk: {url}"))
        for username, password, role in logins:
            self.stdout.write(f"  {role:<14} {username} / {password}")
        self.stdout.write("Press Ctrl-C to stop.\n")

    def _serve(self) -> None:
        """Run the Procfile under honcho, which stops the web process and the worker when it is stopped."""
        # The Procfile names gunicorn and celery: find them beside this Python (the project's venv).
        path = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
        honcho = subprocess.Popen(
            [sys.executable, "-m", "honcho", "start", "-f", str(settings.BASE_DIR / "Procfile")],
            cwd=settings.BASE_DIR,
            env={**os.environ, "PATH": path},
        )
        # Ctrl-C reaches honcho through the terminal; a SIGTERM sent to this process alone is passed on, so
        # that the web process and the worker stop before the embedded database does.
        previous_int = signal.signal(signal.SIGINT, signal.SIG_IGN)
        previous_term = signal.signal(signal.SIGTERM, lambda signum, frame: honcho.terminate())
        try:
            honcho.wait()
        finally:
            signal.signal(signal.SIGINT, previous_int)
            signal.signal(signal.SIGTERM, previous_term)

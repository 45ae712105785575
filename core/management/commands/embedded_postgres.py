from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from core import embedded_postgres


class Command(BaseCommand):
    help = "Start, stop or show the embedded PostgreSQL server in DATA_DIR/pg."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["start", "stop", "status"])

    def handle(self, *args: object, action: str, **options: object) -> None:
        if not settings.EMBEDDED_DATABASE:
            raise CommandError("DATABASE_URL is set: this app uses that server, not an embedded one.")
        pg_dir = settings.DATA_DIR / "pg"
        if action == "start":
            self.stdout.write(f"PostgreSQL running, socket in {embedded_postgres.socket_dir(pg_dir)}")
        elif action == "stop":
            embedded_postgres.stop(pg_dir)
            self.stdout.write("PostgreSQL stopped.")
        else:
            self.stdout.write("running" if embedded_postgres.is_running(pg_dir) else "stopped")

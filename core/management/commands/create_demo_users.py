from django.core.management.base import BaseCommand

from core.services import demo_users_ensure


class Command(BaseCommand):
    help = "Create (or reset) one demo user per role and print their logins."

    def handle(self, *args: object, **options: object) -> None:
        self.stdout.write("Demo logins (username / password):")
        for username, password, role in demo_users_ensure():
            self.stdout.write(f"  {username:<14} {password:<14} {role}")

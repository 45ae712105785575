"""Sessions kept in the database, as Django keeps them, read by one hand-written statement.

Every request reads its session; building the ORM's query for it cost more than PostgreSQL's answer. Everything
else (creating, saving, signing out everywhere) is Django's own database session store.
"""

from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.contrib.sessions.models import Session
from django.db import connection
from django.utils import timezone

SESSION_SQL = f"""
    SELECT session_data FROM "{Session._meta.db_table}" WHERE session_key = %s AND expire_date > %s
"""


class SessionStore(DatabaseSessionStore):
    def load(self) -> dict:
        with connection.cursor() as cursor:
            cursor.execute(SESSION_SQL, [self.session_key, timezone.now()])
            row = cursor.fetchone()
        if row is None:
            self._session_key = None  # expired or unknown: a new session, as Django's own store does
            return {}
        return self.decode(row[0])

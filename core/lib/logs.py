"""What the log of `make run` leaves out: requests for static files, and the traceback of a refusal."""

import logging

from django.conf import settings
from gunicorn.glogging import Logger


class AccessLogWithoutStaticFiles(Logger):
    """Gunicorn's access log, less the dozen lines each page adds for its scripts, styles and fonts."""

    def access(self, resp: object, req: object, environ: dict, request_time: object) -> None:
        if environ.get("PATH_INFO", "").startswith("/" + settings.STATIC_URL.lstrip("/")):
            return
        super().access(resp, req, environ, request_time)


class RefusalWithoutTraceback(logging.Filter):
    """A 403 is the app saying no to a user, not a fault: one line names it, no traceback follows."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "status_code", None) == 403:
            record.exc_info = None
            record.exc_text = None
        return True

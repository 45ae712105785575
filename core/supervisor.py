"""Keeps the processes of `make run` alive: the web server, the Celery worker and the beat scheduler.

Each process of the Procfile runs in a session of its own. One that exits is restarted after a delay that
doubles with each quick death (1 s up to a minute) and resets once it has run for a while; its whole
process group is killed first, so a worker whose main process died leaves no orphan children behind.
One process dying never stops the others. SIGINT or SIGTERM stops them all, politely first.
"""

import contextlib
import hashlib
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

FIRST_DELAY = 1.0
LONGEST_DELAY = 60.0
# A process that ran this long before it died is restarted without waiting.
STABLE_AFTER = 60.0
STOP_GRACE = 20.0


@dataclass
class Managed:
    name: str
    command: str
    process: subprocess.Popen | None = None
    started: float = 0.0
    delay: float = FIRST_DELAY
    restart_at: float | None = None
    readers: list[threading.Thread] = field(default_factory=list)


# A Unix socket's path must fit in 108 bytes.
SOCKET_PATH_BYTES = 100


def control_socket(data_dir: Path) -> Path:
    """Where this copy's web server listens for control commands: inside its own DATA_DIR, so that copies on one
    host never share one (gunicorn's default is one socket per user), or in a short folder named after it."""
    inside = data_dir.resolve() / "gunicorn.ctl"
    if len(str(inside).encode()) <= SOCKET_PATH_BYTES:
        return inside
    folder = Path(tempfile.gettempdir()) / f"campaign-desk-{hashlib.sha256(str(inside).encode()).hexdigest()[:16]}"
    folder.mkdir(mode=0o700, exist_ok=True)
    return folder / "gunicorn.ctl"


def procfile_commands(procfile: Path) -> dict[str, str]:
    """The `name: command` lines of a Procfile, in order."""
    commands = {}
    for line in procfile.read_text().splitlines():
        name, separator, command = line.partition(":")
        if separator and name.strip() and not name.lstrip().startswith("#"):
            commands[name.strip()] = command.strip()
    return commands


class Supervisor:
    def __init__(self, commands: dict[str, str], *, env: dict[str, str], cwd: Path, out: TextIO = sys.stdout) -> None:
        self.managed = [Managed(name, command) for name, command in commands.items()]
        self.env, self.cwd, self.out = env, cwd, out
        self.stopping = threading.Event()
        self._print_lock = threading.Lock()

    def run(self, *, poll: float = 0.5) -> None:
        """Start every process and keep them running until `stop()` (or SIGINT/SIGTERM through `serve`)."""
        for managed in self.managed:
            self._start(managed)
        while not self.stopping.wait(poll):
            now = time.monotonic()
            for managed in self.managed:
                if managed.restart_at is not None and now >= managed.restart_at:
                    self._start(managed)
                elif managed.restart_at is None and managed.process.poll() is not None:
                    self._schedule_restart(managed, now)
        self._stop_all()

    def stop(self) -> None:
        self.stopping.set()

    def _start(self, managed: Managed) -> None:
        # `exec` makes the shell become the process, so the pid we hold is the server's own.
        managed.process = subprocess.Popen(
            ["/bin/sh", "-c", f"exec {managed.command}"],
            cwd=self.cwd,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            text=True,
            errors="replace",
        )
        managed.started, managed.restart_at = time.monotonic(), None
        reader = threading.Thread(target=self._relay, args=(managed.name, managed.process.stdout), daemon=True)
        reader.start()
        managed.readers = [reader]
        self._say(managed.name, f"started with pid {managed.process.pid}")

    def _schedule_restart(self, managed: Managed, now: float) -> None:
        code = managed.process.returncode
        _kill_group(managed.process.pid, signal.SIGKILL)  # children the dead process left behind
        if now - managed.started >= STABLE_AFTER:
            managed.delay = FIRST_DELAY
        managed.restart_at = now + managed.delay
        self._say(managed.name, f"exited with code {code}; restarting in {managed.delay:.0f} s")
        managed.delay = min(managed.delay * 2, LONGEST_DELAY)

    def _stop_all(self) -> None:
        running = [managed for managed in self.managed if managed.process and managed.process.poll() is None]
        for managed in running:  # the main process alone: it stops its own children in order
            with contextlib.suppress(ProcessLookupError):
                managed.process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE
        for managed in running:
            try:
                managed.process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                self._say(managed.name, "did not stop in time; killed")
        for managed in self.managed:
            if managed.process is not None:
                _kill_group(managed.process.pid, signal.SIGKILL)
                managed.process.wait()
            for reader in managed.readers:
                reader.join(timeout=2)

    def _relay(self, name: str, stream: TextIO) -> None:
        for line in stream:
            self._say(name, line.rstrip("\n"))

    def _say(self, name: str, text: str) -> None:
        with self._print_lock:
            self.out.write(f"{time.strftime('%H:%M:%S')} {name:<7}| {text}\n")
            self.out.flush()


def serve(supervisor: Supervisor) -> None:
    """Run the supervisor in this process until SIGINT or SIGTERM."""
    previous = {
        sig: signal.signal(sig, lambda signum, frame: supervisor.stop()) for sig in (signal.SIGINT, signal.SIGTERM)
    }
    try:
        supervisor.run()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _kill_group(pid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, sig)

"""Many people on the desk at once, served as `make run` serves it, while an audience build runs on the worker.

Run by bench/run.py (`load`). The client is threads and `http.client`, on the same machine as the server: each
simulated user signs in through the login form, reads the sections of its navigation rail, and then visits them
in turn with a think time between pages. A saturation run follows (no think time, a few clients), then the same
clients on a static file and on the login page, the floors of the server and of Django, measured in the same run.

`keep_building` runs inside the desk's Django (`manage.py shell`): it builds one campaign's audience again and
again on the worker until its time is up.
"""

import http.client
import os
import random
import re
import statistics
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

PASSWORD = "campaign-desk"
# Who signs in, and how many of each: marketers do most of the work, administrators the least.
ROLES = {"marketer": 20, "owner": 12, "manager": 12, "admin": 6}
NAV_LINK = re.compile(r'class="desk-rail-item[^"]*" href="([^"]+)"')
CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
SERVER_TIMING = re.compile(r"app;dur=([0-9.]+), cpu;dur=([0-9.]+)")
STATIC_PATH = "/static/favicon.svg"


@dataclass
class Sample:
    page: str
    seconds: float
    status: int  # 0: the request failed before an answer came
    server_ms: float | None = None
    cpu_ms: float | None = None


@dataclass
class Browser:
    """One person's browser: a keep-alive connection and the session's cookies."""

    host: str
    port: int
    cookies: dict[str, str] = field(default_factory=dict)
    connection: http.client.HTTPConnection | None = None

    def request(self, method: str, path: str, body: dict | None = None) -> tuple[int, str, http.client.HTTPResponse]:
        headers = {"Cookie": "; ".join(f"{name}={value}" for name, value in self.cookies.items())}
        payload = None
        if body is not None:
            payload = urlencode(body)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Referer"] = f"http://{self.host}:{self.port}/login/"
        for attempt in (1, 2):
            if self.connection is None:
                self.connection = http.client.HTTPConnection(self.host, self.port, timeout=60)
            try:
                self.connection.request(method, path, body=payload, headers=headers)
                response = self.connection.getresponse()
                text = response.read().decode("utf-8", "replace")
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                # The server closed an idle keep-alive connection: open a new one, once.
                self.connection.close()
                self.connection = None
                if attempt == 2:
                    raise
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        return response.status, text, response

    def timed_get(self, path: str) -> Sample:
        started = time.perf_counter()
        try:
            status, _, response = self.request("GET", path)
        except OSError:
            self.connection = None
            return Sample(path, time.perf_counter() - started, 0)
        seconds = time.perf_counter() - started
        timing = SERVER_TIMING.search(response.headers.get("Server-Timing", ""))
        server_ms, cpu_ms = (float(timing[1]), float(timing[2])) if timing else (None, None)
        return Sample(path, seconds, status, server_ms, cpu_ms)

    def sign_in(self, username: str) -> list[str]:
        """Sign in through the form; return the pages of the navigation rail (home first)."""
        _, form, _ = self.request("GET", "/login/")
        token = CSRF_FIELD.search(form)[1]
        status, _, _ = self.request(
            "POST", "/login/", {"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token}
        )
        if status != 302:
            raise SystemExit(f"{username} could not sign in (answer {status})")
        status, home, _ = self.request("GET", "/")
        return ["/", *dict.fromkeys(NAV_LINK.findall(home))]


def sign_in_everyone(host: str, port: int) -> list[tuple[str, Browser, list[str]]]:
    users = [(role, Browser(host, port)) for role, count in ROLES.items() for _ in range(count)]
    signed_in = [(role, browser, browser.sign_in(role)) for role, browser in users]
    random.Random(1).shuffle(signed_in)
    return signed_in


def pages_in_turn(pages: list[str], seed: int) -> Iterator[str]:
    """The rail's sections one after the other, each person starting at a different one."""
    start = random.Random(seed).randrange(len(pages))
    while True:
        yield from pages[start:] + pages[:start]
        start = 0


def run_users(
    users: list[tuple[str, Browser, list[str]]], *, seconds: float, think: tuple[float, float]
) -> tuple[list[Sample], float]:
    """Every user visits its pages, thinking between two, until the time is up; the samples and elapsed time."""
    samples: list[Sample] = []
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def visit(number: int, browser: Browser, pages: list[str]) -> None:
        pause = random.Random(number)
        if think[1]:
            time.sleep(pause.uniform(0, think[1]))  # people do not all click in the same second
        for page in pages_in_turn(pages, number):
            if time.perf_counter() >= deadline:
                return
            sample = browser.timed_get(page)
            with lock:
                samples.append(sample)
            if think[1]:
                time.sleep(pause.uniform(*think))

    started = time.perf_counter()
    threads = [
        threading.Thread(target=visit, args=(number, browser, pages), daemon=True)
        for number, (_, browser, pages) in enumerate(users)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return samples, time.perf_counter() - started


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def summary(samples: list[Sample], elapsed: float) -> dict:
    good = [sample for sample in samples if sample.status == 200]
    wall = [sample.seconds * 1000 for sample in good] or [0.0]
    server = [sample.server_ms for sample in good if sample.server_ms is not None] or [0.0]
    cpu = [sample.cpu_ms for sample in good if sample.cpu_ms is not None] or [0.0]
    return {
        "requests": len(samples),
        "errors": len(samples) - len(good),
        "per_second": len(samples) / elapsed,
        "p50": statistics.median(wall),
        "p95": percentile(wall, 0.95),
        "max": max(wall),
        "server_p50": statistics.median(server),
        "cpu_p50": statistics.median(cpu),
    }


def print_pages(samples: list[Sample], elapsed: float) -> None:
    by_page: dict[str, list[Sample]] = defaultdict(list)
    for sample in samples:
        by_page[sample.page].append(sample)
    print(
        f"{'page':<22}{'requests':>9}{'errors':>7}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}"
        f"{'server p50':>12}{'CPU p50':>9}"
    )
    for page, page_samples in sorted(by_page.items()):
        print_line(page, summary(page_samples, elapsed))
    print_line("every page", summary(samples, elapsed))


def print_line(label: str, figures: dict) -> None:
    print(
        f"{label:<22}{figures['requests']:>9}{figures['errors']:>7}{figures['p50']:>9.0f}{figures['p95']:>9.0f}"
        f"{figures['max']:>9.0f}{figures['server_p50']:>12.1f}{figures['cpu_p50']:>9.1f}"
    )


def load_average() -> str:
    return ", ".join(f"{value:.1f}" for value in os.getloadavg())


def measure(host: str, port: int, *, users_seconds: float, saturation_seconds: float, clients: int) -> None:
    """Sign everyone in, then the three runs: people thinking, saturation, and the floors."""
    print(f"signing in {sum(ROLES.values())} users ({', '.join(f'{n} {role}' for role, n in ROLES.items())})")
    users = sign_in_everyone(host, port)
    print(f"load average before: {load_average()}")
    # One pass over every page first, so that the figures are of a desk in use, not of its first minute.
    run_users(users[: len(ROLES)], seconds=5, think=(0, 0))

    samples, elapsed = run_users(users, seconds=users_seconds, think=(2.0, 5.0))
    print(f"\n{len(users)} users, 2-5 s think time, {elapsed:.0f} s; load average {load_average()}")
    print_pages(samples, elapsed)
    people = summary(samples, elapsed)
    print(f"{people['per_second']:.1f} requests/s, {people['errors']} errors")

    saturating = users[:clients]
    samples, elapsed = run_users(saturating, seconds=saturation_seconds, think=(0, 0))
    print(f"\nsaturation: {clients} clients, no think time, {elapsed:.0f} s; load average {load_average()}")
    print_pages(samples, elapsed)
    pages = summary(samples, elapsed)

    floors = {}
    for label, path in (("static file", STATIC_PATH), ("login page", "/login/")):
        floor_users = [(role, Browser(host, port), [path]) for role, _, _ in saturating]
        floor_samples, floor_elapsed = run_users(floor_users, seconds=saturation_seconds / 2, think=(0, 0))
        floors[label] = summary(floor_samples, floor_elapsed)
    print(f"\n{'':<34}{'requests/s':>11}{'p50 ms':>9}{'errors':>8}")
    print(f"{'pages (saturation)':<34}{pages['per_second']:>11.1f}{pages['p50']:>9.1f}{pages['errors']:>8}")
    for label, figures in floors.items():
        line = f"{label + ' (reference)':<34}{figures['per_second']:>11.1f}{figures['p50']:>9.1f}"
        print(f"{line}{figures['errors']:>8}")
    print(
        f"\npages / static file = {pages['per_second'] / floors['static file']['per_second']:.2f}; "
        f"pages / login page = {pages['per_second'] / floors['login page']['per_second']:.2f} (requests per second); "
        f"median server time of a page {pages['server_p50']:.1f} ms, of which CPU {pages['cpu_p50']:.1f} ms"
    )
    print(f"load average after: {load_average()}")


def keep_building(stop: str) -> None:
    """Inside the desk's Django: build one campaign's audience on the worker, again and again, until the file
    `stop` exists."""
    from django.contrib.auth import get_user_model

    from campaigns.models import Campaign
    from campaigns.services.audience import BUILDABLE
    from campaigns.tasks import audience_build_enqueue
    from core.models import Job

    campaign = Campaign.objects.filter(status__in=BUILDABLE, treatments__isnull=False).order_by("id").first()
    if campaign is None:
        raise SystemExit("no campaign whose audience can be built")
    owner = campaign.owner or get_user_model().objects.get(username="marketer")
    builds = []
    while not Path(stop).exists():
        job = audience_build_enqueue(campaign=campaign, owner=owner)
        while not Job.objects.filter(pk=job.pk, status__in=Job.FINISHED).exists():
            time.sleep(0.2)
        job.refresh_from_db()
        if job.status != Job.Status.SUCCEEDED:
            raise SystemExit(f"the audience build failed: {job.error}")
        builds.append(job.duration_seconds)
    print(
        f"audience of {campaign.name!r} built {len(builds)} times on the worker meanwhile, "
        f"median {statistics.median(builds):.1f} s a build"
    )

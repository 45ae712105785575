"""Campaign Desk benchmarks: the product's time beside a physical-limit reference from the same run."""

import argparse
import os
import re
import resource
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import closing, contextmanager
from datetime import date
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

import psycopg2  # noqa: E402
from django.conf import settings  # noqa: E402

from core import embedded_postgres  # noqa: E402
from customers.demo.retailer import write_retailer  # noqa: E402

BENCH_DATABASE = "campaign_desk_bench"
HISTORY_END = date(2026, 6, 30)


def server_url(database: str) -> str:
    """A URL for `database` on the app's server (DATABASE_URL's, or the embedded one's socket)."""
    if os.environ.get("DATABASE_URL"):
        base = os.environ["DATABASE_URL"].rsplit("/", 1)[0]
        return f"{base}/{database}"
    socket = embedded_postgres.socket_dir(settings.DATA_DIR / "pg")
    return f"postgresql://postgres@{quote(str(socket), safe='')}/{database}"


def connect(database: str) -> psycopg2.extensions.connection:
    connection = psycopg2.connect(server_url(database))
    connection.autocommit = True
    return connection


def manage(*args: str) -> subprocess.CompletedProcess:
    """A manage.py command on the bench database, in a process of its own so its peak memory is its own."""
    env = {**os.environ, "DATABASE_URL": server_url(BENCH_DATABASE)}
    result = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True)
    if result.returncode:
        sys.exit(f"manage.py {args[0]} failed:\n{result.stderr[-3000:]}")
    return result


def timed_manage(*args: str) -> tuple[float, float, str]:
    """Seconds and peak resident memory (MB) of a manage.py command."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    result = manage(*args)
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return seconds, max(peak, before) / 1024, result.stdout


def fresh_database() -> None:
    with closing(connect("postgres")) as admin, admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{BENCH_DATABASE}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{BENCH_DATABASE}"')
    manage("migrate", "--noinput")


def dataset(customers: int, seed: int) -> Path:
    folder = settings.DATA_DIR / "bench" / f"{customers}-{seed}-{HISTORY_END}"
    if not (folder / "events.csv").exists():
        started = time.perf_counter()
        write_retailer(folder, customers=customers, seed=seed, end=HISTORY_END)
        print(f"generated the retailer in {time.perf_counter() - started:.1f} s: {folder}")
    return folder


def count_lines(path: Path) -> int:
    with path.open("rb") as handle:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 24), b"")) - 1


PURCHASE_COLUMNS = """
    line_id text, order_ref text, customer_id text, purchased_at timestamp, channel text, store text,
    category text, quantity integer, revenue numeric, margin numeric, offer_code text
"""


def bare_copy_seconds(path: Path) -> float:
    """The floor: the same file COPYed into an unindexed table with the file's own columns."""
    with closing(connect(BENCH_DATABASE)) as connection, connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS bare_copy; CREATE TABLE bare_copy ({PURCHASE_COLUMNS})")
        started = time.perf_counter()
        with path.open("rb") as source:
            cursor.copy_expert("COPY bare_copy FROM STDIN WITH (FORMAT csv, HEADER)", source, 1 << 20)
        seconds = time.perf_counter() - started
        cursor.execute("DROP TABLE bare_copy")
    return seconds


def report(rows: list[tuple]) -> None:
    print(f"\n{'what':<34}{'rows':>14}{'seconds':>10}{'rows/s':>12}{'peak MB':>10}")
    for what, count, seconds, peak in rows:
        peak_text = f"{peak:>10.0f}" if peak else f"{'':>10}"
        print(f"{what:<34}{count:>14,}{seconds:>10.1f}{count / seconds:>12,.0f}{peak_text}")


def bench_imports(arguments: argparse.Namespace) -> None:
    folder = dataset(arguments.customers, arguments.seed)
    fresh_database()
    rows = []
    for kind in ("stores", "categories", "customers"):
        seconds, peak, _ = timed_manage("import_csv", kind, str(folder / f"{kind}.csv"))
        rows.append((f"import {kind}", count_lines(folder / f"{kind}.csv"), seconds, peak))
    purchases = folder / "purchases.csv"
    lines = count_lines(purchases)
    seconds, peak, output = timed_manage("import_csv", "purchases", str(purchases))
    loading = float(re.search(r"Done in ([0-9.]+) s", output).group(1))
    rows.append(("import purchases: whole command", lines, seconds, peak))
    rows.append(("import purchases: check and load", lines, loading, 0))
    reference = bare_copy_seconds(purchases)
    rows.append(("bare COPY, unindexed (reference)", lines, reference, 0))
    seconds_events, peak_events, _ = timed_manage("import_csv", "events", str(folder / "events.csv"))
    rows.append(("import events", count_lines(folder / "events.csv"), seconds_events, peak_events))
    report(rows)
    print(
        f"\ncheck and load / bare COPY = {loading / reference:.2f}; whole command / bare COPY = "
        f"{seconds / reference:.2f} (the command also starts Django and records the job); "
        f"purchases file {purchases.stat().st_size / 1e9:.2f} GB"
    )
    print(output.strip())


def bench_pages(arguments: argparse.Namespace) -> None:
    """Server time of the customers grid: its page (which carries the first rows) and the rows the grid asks for
    as it is filtered, sorted and paged; Django's test client, no network, median of several requests."""
    script = """
import statistics, time
from django.test import Client
from core.services import demo_users_ensure
demo_users_ensure()
client = Client(HTTP_HOST="localhost")
client.login(username="marketer", password="campaign-desk")
for label, url, params in [
    ("page", "/customers/", {}),
    ("rows: first page", "/customers/rows/", {}),
    ("name search", "/customers/rows/", {"filter.name": "olivia kh"}),
    ("external id", "/customers/rows/", {"filter.external_id": "L010500000"}),
    ("e-mail prefix", "/customers/rows/", {"filter.name": "leo.jones12"}),
    ("region", "/customers/rows/", {"filter.region": "West"}),
    ("store + consent", "/customers/rows/", {"filter.home_store": "S08", "filter.consents": "sms"}),
    ("page 2", "/customers/rows/", {"page": 2}),
    ("page 10,000 by number", "/customers/rows/", {"page": 10000}),
    ("page 10,000 by keyset", "/customers/rows/", {"page": 10000, "after": "[500000]"}),
    ("by external id, last", "/customers/rows/", {"sort": "-external_id"}),
    ("by region, page 5,000", "/customers/rows/", {"sort": "region", "page": 5000}),
    ("by region, keyset", "/customers/rows/", {"sort": "region", "page": 5000, "after": '["South", 500000]'}),
]:
    times = []
    for _ in range(7):
        started = time.perf_counter()
        response = client.get(url, params)
        assert response.status_code == 200, response.content[:300]
        times.append(time.perf_counter() - started)
    print(f"{label:<24} median {statistics.median(times) * 1000:7.1f} ms   slowest {max(times) * 1000:7.1f} ms")
"""
    manage("migrate", "--noinput")
    print(manage("shell", "-c", script).stdout)


def bench_features(arguments: argparse.Namespace) -> None:
    """Feature refresh, segment count and staging on the bench database (run `imports` first)."""
    manage("migrate", "--noinput")
    print(manage("shell", "-c", "from bench.jobs import features; features()").stdout)


def bench_audience(arguments: argparse.Namespace) -> None:
    """Audience builds covering 60% of the customers under the whole contact policy (topics, suppressions, caps,
    planned pressure), on e-mail and on e-mail and SMS, beside a hand-written CREATE TABLE AS and a naive loop."""
    manage("migrate", "--noinput")
    print(manage("shell", "-c", "from bench.jobs import audience; audience()").stdout)


def bench_results(arguments: argparse.Namespace) -> None:
    """Results of a campaign with every customer as a member, beside one hand-written SQL aggregate."""
    manage("migrate", "--noinput")
    print(manage("shell", "-c", "from bench.jobs import results; results()").stdout)


def bench_plan(arguments: argparse.Namespace) -> None:
    """The plan page of a quarter with 200 campaigns over 12 portfolios, beside one hand-written SQL statement."""
    manage("migrate", "--noinput")
    print(manage("shell", "--no-imports", "-c", "from bench.plan import plan; plan()").stdout)


def bench_allocation(arguments: argparse.Namespace) -> None:
    """The allocation job on 1M members and 200 offers: as one part, then as four parts on two worker processes.
    Each path runs in a process of its own, so that each peak memory is its own."""
    manage("migrate", "--noinput")
    for step in ("prepare", "one_job", "parts"):
        print(manage("shell", "--no-imports", "-c", f"from bench.allocation import {step}; {step}()").stdout, end="")


def bench_scenario(arguments: argparse.Namespace) -> None:
    """A 200-campaign scenario made, recomputed and compared, beside a bare SELECT and numpy forecast."""
    with closing(connect("postgres")) as admin, admin.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [BENCH_DATABASE])
        if not cursor.fetchone():
            cursor.execute(f'CREATE DATABASE "{BENCH_DATABASE}"')
    manage("migrate", "--noinput")
    for step in ("prepare", "measure"):
        print(manage("shell", "--no-imports", "-c", f"from bench.scenario import {step}; {step}()").stdout, end="")


def bench_offers(arguments: argparse.Namespace) -> None:
    """Offer allocation on synthetic values, in a process of its own so that its peak memory is its own."""
    command = [sys.executable, "-m", "bench.offers", "--customers", str(arguments.customers), "--offers"]
    command += [str(arguments.offers), "--seed", str(arguments.seed)]
    subprocess.run(command, cwd=ROOT, check=True)


def desk_environment(arguments: argparse.Namespace) -> dict[str, str]:
    return {**os.environ, "DATA_DIR": str(arguments.data_dir), "RUN_PORT": str(arguments.port)}


def desk_shell(arguments: argparse.Namespace, code: str) -> str:
    """Python run inside the bench desk's Django, on its database."""
    command = [sys.executable, "manage.py", "shell", "--no-imports", "-c", code]
    result = subprocess.run(command, cwd=ROOT, env=desk_environment(arguments), capture_output=True, text=True)
    if result.returncode:
        sys.exit(f"manage.py shell failed on the bench desk:\n{result.stderr[-3000:]}")
    return result.stdout


def desk_answers(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as response:
            return response.status == 200
    except OSError:
        return False


@contextmanager
def bench_desk(arguments: argparse.Namespace) -> Iterator[None]:
    """The desk as `make run` serves it (gunicorn, a Celery worker, beat) on its own data, with demo data.

    A desk already answering on the port is used as it is (it must be the one on --data-dir)."""
    if desk_answers(arguments.port):
        print(f"using the desk already running on port {arguments.port}")
        yield
        return
    log = (arguments.data_dir / "rundesk.log").open("a")
    command = [sys.executable, "manage.py", "rundesk", "--customers", str(arguments.customers)]
    desk = subprocess.Popen(command, cwd=ROOT, env=desk_environment(arguments), stdout=log, stderr=log)
    try:
        deadline = time.monotonic() + 120
        while not desk_answers(arguments.port):
            if time.monotonic() > deadline or desk.poll() is not None:
                sys.exit(f"the desk did not start; see {log.name}")
            time.sleep(1)
        yield
    finally:
        desk.send_signal(signal.SIGINT)  # as Ctrl-C: the supervisor stops its processes, then the database
        desk.wait(timeout=60)


def bench_load(arguments: argparse.Namespace) -> None:
    """50 users with think time while an audience build runs on the worker, then saturation and the floors."""
    from bench.load import measure

    arguments.data_dir.mkdir(parents=True, exist_ok=True)
    with bench_desk(arguments):
        waiting = "from core.models import Job; print(Job.objects.exclude(status__in=Job.FINISHED).count())"
        while int(desk_shell(arguments, waiting)):
            print("waiting for the desk's jobs (the demo data) to finish")
            time.sleep(10)
        customers = desk_shell(arguments, "from customers.models import Customer; print(Customer.objects.count())")
        print(f"bench desk: port {arguments.port}, {int(customers):,} customers, data in {arguments.data_dir}")
        stop = arguments.data_dir / "stop-building"
        stop.unlink(missing_ok=True)
        code = f"from bench.load import keep_building; keep_building({str(stop)!r})"
        command = [sys.executable, "manage.py", "shell", "--no-imports", "-c", code]
        environment = desk_environment(arguments)
        builder = subprocess.Popen(command, cwd=ROOT, env=environment, stdout=subprocess.PIPE, text=True)
        try:
            time.sleep(3)  # the first build has started on the worker
            measure(
                "127.0.0.1",
                arguments.port,
                users_seconds=arguments.seconds,
                saturation_seconds=arguments.saturation_seconds,
                clients=arguments.clients,
            )
        finally:
            stop.touch()
            print(builder.communicate(timeout=600)[0].strip())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    imports = commands.add_parser("imports", help="generate the retailer and time its imports")
    imports.add_argument("--customers", type=int, default=1_000_000)
    imports.add_argument("--seed", type=int, default=1)
    imports.set_defaults(run=bench_imports)
    pages = commands.add_parser("pages", help="time the customers list on the bench database")
    pages.set_defaults(run=bench_pages)
    commands.add_parser("features", help="time the feature refresh, a segment count and staging").set_defaults(
        run=bench_features
    )
    commands.add_parser("audience", help="time an audience build").set_defaults(run=bench_audience)
    commands.add_parser("results", help="time a campaign's results").set_defaults(run=bench_results)
    commands.add_parser("plan", help="time the plan page of a quarter with 200 campaigns").set_defaults(run=bench_plan)
    commands.add_parser("allocation", help="time the 1:1 offer allocation job on the bench database").set_defaults(
        run=bench_allocation
    )
    commands.add_parser("scenario", help="time a 200-campaign scenario and the comparison page").set_defaults(
        run=bench_scenario
    )
    load = commands.add_parser("load", help="50 users on the desk during an audience build, then saturation")
    load.add_argument("--seconds", type=float, default=90, help="length of the run with think time")
    load.add_argument("--saturation-seconds", type=float, default=30)
    load.add_argument("--clients", type=int, default=8, help="concurrent clients of the saturation run")
    load.add_argument("--port", type=int, default=8715)
    load.add_argument("--customers", type=int, default=50_000, help="demo customers of a new bench desk")
    load.add_argument("--data-dir", type=Path, default=settings.DATA_DIR / "bench" / "desk")
    load.set_defaults(run=bench_load)
    offers = commands.add_parser("offers", help="time a 1:1 offer allocation (no database)")
    offers.add_argument("--customers", type=int, default=1_000_000)
    offers.add_argument("--offers", type=int, default=200)
    offers.add_argument("--seed", type=int, default=1)
    offers.set_defaults(run=bench_offers)
    arguments = parser.parse_args()
    arguments.run(arguments)


if __name__ == "__main__":
    main()

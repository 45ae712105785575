"""Demo data for a new installation, run as a job so that its progress shows on the Jobs page.

What the demo holds comes from the domain apps, which the shell does not know: the composition app registers
the loader when the project starts (`desk.apps.DeskConfig.ready`), and the job calls it from here.
"""

from collections.abc import Callable
from datetime import date
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ImproperlyConfigured

from core.models import Job
from core.services import Progress, job_enqueue

DemoLoader = Callable[[Job, Progress], dict[str, Any]]

_registered: dict[str, DemoLoader] = {}


def demo_loader_register(loader: DemoLoader) -> None:
    _registered["loader"] = loader


def demo_data_load(job: Job, progress: Progress) -> dict[str, Any]:
    """The job's work: whatever the registered loader makes of the job's parameters."""
    if "loader" not in _registered:
        raise ImproperlyConfigured("No demo data loader is registered: add the desk app to INSTALLED_APPS.")
    return _registered["loader"](job, progress)


def demo_data_enqueue(*, customers: int, seed: int, end: date, owner: AbstractBaseUser | None) -> Job:
    from core.tasks import load_demo_data

    return job_enqueue(
        kind=Job.Kind.DEMO_DATA,
        title=f"Demo data: {customers:,} customers",
        owner=owner,
        task=load_demo_data,
        params={"customers": customers, "seed": seed, "end": end.isoformat()},
    )

"""The toolbar's search box: each section that holds named things answers with its matches."""

from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.urls import reverse

from core.selectors import jobs_visible_to
from customers.selectors import CustomerFilters, customer_page


@dataclass(frozen=True)
class Hit:
    label: str
    detail: str
    url: str


def search_jobs(user: AbstractBaseUser, query: str, limit: int) -> list[Hit]:
    jobs = jobs_visible_to(user).filter(title__icontains=query)[:limit]
    return [
        Hit(
            job.title,
            f"{job.get_status_display()} · {job.created_at:%Y-%m-%d %H:%M}",
            reverse("job_detail", args=[job.pk]),
        )
        for job in jobs
    ]


def search_customers(user: AbstractBaseUser, query: str, limit: int) -> list[Hit]:
    if not user.has_perm("customers.view_customers"):
        return []
    customers, _ = customer_page(CustomerFilters(query=query), after=None, size=limit)
    return [
        Hit(
            f"{customer.name or customer.external_id}",
            " · ".join(part for part in (customer.external_id, customer.email) if part),
            reverse("customers:detail", args=[customer.pk]),
        )
        for customer in customers
    ]


PROVIDERS = [("Customers", search_customers), ("Jobs", search_jobs)]


def search_all(user: AbstractBaseUser, query: str, limit: int = 20) -> list[tuple[str, list[Hit]]]:
    if len(query) < 2:
        return []
    groups = [(name, provider(user, query, limit)) for name, provider in PROVIDERS]
    return [(name, hits) for name, hits in groups if hits]

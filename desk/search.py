"""The toolbar's search box: each section that holds named things answers with its matches."""

from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Q
from django.urls import reverse

from campaigns.selectors import campaigns_list
from core.selectors import jobs_visible_to
from customers.selectors import CustomerFilters, customer_page
from offers.selectors import offer_list
from segments.selectors import portfolios, segments_list


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


def search_campaigns(user: AbstractBaseUser, query: str, limit: int) -> list[Hit]:
    if not user.has_perm("campaigns.view_campaigns"):
        return []
    found = campaigns_list().filter(Q(name__icontains=query) | Q(description__icontains=query)).order_by("-start_date")
    return [
        Hit(
            campaign.name,
            " · ".join(
                part
                for part in (campaign.get_status_display(), campaign.quarter_label, str(campaign.portfolio or ""))
                if part
            ),
            reverse("campaigns:detail", args=[campaign.pk]),
        )
        for campaign in found[:limit]
    ]


def search_segments(user: AbstractBaseUser, query: str, limit: int) -> list[Hit]:
    if not user.has_perm("segments.view_segments"):
        return []
    found = segments_list().filter(Q(name__icontains=query) | Q(description__icontains=query)).order_by("name")
    return [
        Hit(
            segment.name,
            f"{_size(segment.size)} · owned by {segment.owner}",
            reverse("segments:edit", args=[segment.pk]),
        )
        for segment in found[:limit]
    ]


def _size(size: int | None) -> str:
    return "not counted yet" if size is None else f"{size:,} customers"


def search_portfolios(user: AbstractBaseUser, query: str, limit: int) -> list[Hit]:
    if not user.has_perm("segments.view_portfolios"):
        return []
    found = portfolios().filter(Q(name__icontains=query) | Q(stage__name__icontains=query)).order_by("name")
    return [
        Hit(
            portfolio.name,
            f"{portfolio.stage.name} · owned by {portfolio.owner}",
            reverse("segments:portfolio", args=[portfolio.pk]),
        )
        for portfolio in found[:limit]
    ]


def search_offers(user: AbstractBaseUser, query: str, limit: int) -> list[Hit]:
    if not user.has_perm("offers.view_offers"):
        return []
    found = offer_list().filter(Q(name__icontains=query) | Q(code__icontains=query))
    return [
        Hit(offer.name, f"{offer.get_kind_display()} · code {offer.code}", reverse("offers:edit", args=[offer.pk]))
        for offer in found[:limit]
    ]


LIMIT = 20  # matches per group

# In the order the groups are shown.
PROVIDERS = [
    ("Campaigns", search_campaigns),
    ("Segments", search_segments),
    ("Portfolios", search_portfolios),
    ("Offers", search_offers),
    ("Customers", search_customers),
    ("Jobs", search_jobs),
]


def search_all(user: AbstractBaseUser, query: str, limit: int = LIMIT) -> list[tuple[str, list[Hit]]]:
    if len(query) < 2:
        return []
    groups = [(name, provider(user, query, limit)) for name, provider in PROVIDERS]
    return [(name, hits) for name, hits in groups if hits]

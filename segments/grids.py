"""The segment list as a grid: each segment's owner, size when last counted and description."""

from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Q, QuerySet
from django.utils import timezone

from core.grids import Column, Grid
from core.lib.urls import object_url
from segments.models import Segment


def _owned_by(segments: QuerySet[Segment], text: str) -> QuerySet[Segment]:
    return segments.filter(
        Q(owner__username__icontains=text) | Q(owner__first_name__icontains=text) | Q(owner__last_name__icontains=text)
    )


def segment_grid() -> Grid:
    return Grid(
        name="segments",
        sort=("name",),
        placeholder="No segments yet.",
        columns=(
            Column("name", "Segment", lookup="name", filter="text", format="link", width=220),
            Column("owner", "Owner", lookup="owner__username", filter="text", filter_by=_owned_by, width=140),
            Column("size", "Customers", lookup="size", format="count", width=110, tooltip="When last counted"),
            Column("counted_at", "Counted", lookup="counted_at", format="date", width=135),
            Column("updated_at", "Changed", lookup="updated_at", format="date", width=135, visible=False),
            Column("description", "Description", lookup="description", filter="text"),
        ),
    )


def _moment(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def segment_row(segment: Segment, user: AbstractBaseUser) -> dict[str, Any]:
    url = object_url("segments:edit")(segment.pk)
    return {
        "id": segment.pk,
        "url": url,
        "edit_url": url if user.has_perm("segments.change_segment", segment) else None,
        "name": segment.name,
        "owner": segment.owner.get_full_name() or segment.owner.username,
        "size": segment.size,
        "counted_at": _moment(segment.counted_at),
        "updated_at": _moment(segment.updated_at),
        "description": segment.description,
    }

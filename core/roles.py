"""The four roles of Campaign Desk and the predicates that test them.

Roles are Django groups. Object-level rules (who may edit which portfolio,
approve which campaign) are built from these predicates in each app's rules.py.
"""

import rules
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

MARKETER = "Marketer"
SEGMENT_OWNER = "Segment owner"
MANAGER = "Manager"
ADMIN = "Admin"
ALL_ROLES = (MARKETER, SEGMENT_OWNER, MANAGER, ADMIN)

is_marketer = rules.is_group_member(MARKETER)
is_segment_owner = rules.is_group_member(SEGMENT_OWNER)
is_manager = rules.is_group_member(MANAGER)
is_admin = rules.is_superuser | rules.is_group_member(ADMIN)

# Those who oversee the work of others: they follow every job, whoever started it.
sees_every_job = is_manager | is_admin

# Anyone who works in the app at all; a user with no role sees only their own jobs.
has_any_role = is_marketer | is_segment_owner | is_manager | is_admin


def group_names(user: AbstractBaseUser) -> set[str]:
    """The names of the user's groups, read once per request: the role predicates above keep them on the user
    under the same name, so whichever asks first reads them for both."""
    if not hasattr(user, "_group_names_cache"):
        user._group_names_cache = set(user.groups.values_list("name", flat=True))
    return user._group_names_cache


def role_names(user: AbstractBaseUser | AnonymousUser) -> list[str]:
    if not user.is_authenticated:
        return []
    names = [name for name in group_names(user) if name in ALL_ROLES]
    if user.is_superuser and ADMIN not in names:
        names.append(ADMIN)
    return sorted(names, key=ALL_ROLES.index)

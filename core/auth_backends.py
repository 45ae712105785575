"""How people sign in, and where their permissions come from.

The app's permissions are rules of roles (each app's rules.py), asked of `rules`' backend first. Passwords are
checked by Django's model backend, which would then look up, for every permission the rules deny, the model
permissions of the user and their groups: two queries on most pages, for permissions nobody is ever given. It
answers only for the permissions the rules do not define (those of the admin's model pages).
"""

import rules
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.postgres.aggregates import ArrayAgg
from django.db.models import Q


class SignInBackend(ModelBackend):
    def get_user(self, user_id: int):
        """The signed-in user of a request, with the names of their groups read in the same query: every page
        asks for the user's roles (`core.roles.group_names`)."""
        user = (
            get_user_model()
            ._default_manager.annotate(group_names=ArrayAgg("groups__name", filter=Q(groups__isnull=False), default=[]))
            .filter(pk=user_id)
            .first()
        )
        if user is None or not self.user_can_authenticate(user):
            return None
        user._group_names_cache = set(user.group_names)
        return user

    def has_perm(self, user_obj, perm: str, obj: object = None) -> bool:
        if rules.perm_exists(perm):
            return False  # the rule has answered already: what it denies, no model permission grants
        return super().has_perm(user_obj, perm, obj)

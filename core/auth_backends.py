"""How people sign in, and where their permissions come from.

The app's permissions are rules of roles (each app's rules.py), asked of `rules`' backend first. Passwords are
checked by Django's model backend, which would then look up, for every permission the rules deny, the model
permissions of the user and their groups: two queries on most pages, for permissions nobody is ever given. It
answers only for the permissions the rules do not define (those of the admin's model pages).
"""

import rules
from django.contrib.auth.backends import ModelBackend


class SignInBackend(ModelBackend):
    def has_perm(self, user_obj, perm: str, obj: object = None) -> bool:
        if rules.perm_exists(perm):
            return False  # the rule has answered already: what it denies, no model permission grants
        return super().has_perm(user_obj, perm, obj)

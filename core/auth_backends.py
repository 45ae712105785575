"""How people sign in, and where their permissions come from.

The app's permissions are rules of roles (each app's rules.py), asked of `rules`' backend first. Passwords are
checked by Django's model backend, which would then look up, for every permission the rules deny, the model
permissions of the user and their groups: two queries on most pages, for permissions nobody is ever given. It
answers only for the permissions the rules do not define (those of the admin's model pages).
"""

from functools import cache

import rules
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import AbstractBaseUser, Group
from django.db import connection


class SignInBackend(ModelBackend):
    def get_user(self, user_id: int) -> AbstractBaseUser | None:
        """The signed-in user of a request, with the names of their groups (`core.roles.group_names`), in one
        hand-written statement: every page reads them, and building the ORM's query cost more than running it."""
        model, statement = _user_statement()
        with connection.cursor() as cursor:
            cursor.execute(statement, [user_id])
            row = cursor.fetchone()
        if row is None:
            return None
        *values, groups = row
        user = model.from_db(connection.alias, [field.attname for field in model._meta.concrete_fields], values)
        user._group_names_cache = set(groups)
        return user if self.user_can_authenticate(user) else None

    def has_perm(self, user_obj, perm: str, obj: object = None) -> bool:
        if rules.perm_exists(perm):
            return False  # the rule has answered already: what it denies, no model permission grants
        return super().has_perm(user_obj, perm, obj)


@cache
def _user_statement() -> tuple[type[AbstractBaseUser], str]:
    model = get_user_model()
    groups = model._meta.get_field("groups")
    columns = ", ".join(f'person."{field.column}"' for field in model._meta.concrete_fields)
    key = model._meta.pk.column
    return (
        model,
        f"""
        SELECT {columns},
               COALESCE(ARRAY_AGG(team."name") FILTER (WHERE team."id" IS NOT NULL), '{{}}')
        FROM "{model._meta.db_table}" person
        LEFT JOIN "{groups.m2m_db_table()}" member ON member."{groups.m2m_column_name()}" = person."{key}"
        LEFT JOIN "{Group._meta.db_table}" team ON team."id" = member."{groups.m2m_reverse_name()}"
        WHERE person."{key}" = %s
        GROUP BY person."{key}"
    """,
    )

"""Creating forms carry a key made when the form was shown (`{% form_key %}`): the same key sent twice makes
one object, and the second sending is shown what the first made."""

import uuid
from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from core.models import FormSubmission

FIELD = "form_key"
REDIRECTS = (301, 302, 303)


def new_key() -> str:
    return uuid.uuid4().hex


def sent_once(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Run a creating view once per form key.

    1. Record the key in the request's transaction. A second sending of the same key, even at the same moment,
       waits on the key's unique index until the first commits, then finds it.
    2. A first sending that succeeded (a redirect) keeps where it led; one that failed (the form shown again with
       its errors) forgets the key, so that the corrected form can be sent.
    """

    @wraps(view)
    def wrapper(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        try:
            key = uuid.UUID(request.POST.get(FIELD, "")) if request.method == "POST" else None
        except ValueError:
            key = None
        if key is None:
            return view(request, *args, **kwargs)
        with transaction.atomic():
            submission, first = FormSubmission.objects.get_or_create(
                key=key,
                defaults={"user": request.user if request.user.is_authenticated else None, "path": request.path},
            )
            if not first:
                messages.info(request, "This form was already sent: here is what it made.")
                return redirect(submission.location or request.path)
            response = view(request, *args, **kwargs)
            if response.status_code in REDIRECTS:
                submission.location = response["Location"][:300]
                submission.save(update_fields=["location"])
            else:
                submission.delete()
            return response

    return wrapper

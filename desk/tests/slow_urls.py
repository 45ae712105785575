"""A page whose query takes as long as it is asked to, standing in for any slow page of the desk."""

from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.urls import path

from config.urls import urlpatterns as desk_urlpatterns


def slow_page(request: HttpRequest) -> HttpResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_sleep(%s)", [float(request.GET.get("seconds", "0"))])
    return HttpResponse("finished")


urlpatterns = [path("slow/", slow_page), *desk_urlpatterns]

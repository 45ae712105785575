from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from desk import dashboards, search


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "desk/home.html", dashboards.home_dashboard(request.user))


def global_search(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()
    groups = search.search_all(request.user, query, limit=search.LIMIT)
    return render(request, "desk/search.html", {"query": query, "groups": groups, "limit": search.LIMIT})

from django.urls import path

from desk import views

urlpatterns = [
    path("", views.home, name="home"),
    path("search/", views.global_search, name="search"),
]

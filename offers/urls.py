from django.urls import path

from offers import views

app_name = "offers"

urlpatterns = [
    path("offers/", views.offer_bank, name="bank"),
    path("offers/new/", views.offer_edit, name="new"),
    path("offers/scoring/", views.scoring_explained, name="scoring"),
    path("offers/<int:offer_id>/", views.offer_edit, name="edit"),
    path("offers/<int:offer_id>/cell/", views.offer_cell, name="cell"),
    path("offers.csv", views.offers_csv, name="csv"),
    path("offers/import/", views.offers_file, name="import"),
]

from django.urls import path

from customers import views

app_name = "customers"

urlpatterns = [
    path("customers/", views.customer_list, name="list"),
    path("customers/rows/", views.customer_rows, name="rows"),
    path("customers/<int:customer_id>/", views.customer_detail, name="detail"),
    path("customers/<int:customer_id>/erase/", views.customer_erase_view, name="erase"),
    path("imports/", views.import_list, name="imports"),
    path("imports/start/", views.import_start, name="import_start"),
    path("imports/<int:import_id>/", views.import_detail, name="import_detail"),
    path("imports/<int:import_id>/problems.csv", views.import_problems_csv, name="import_problems"),
]

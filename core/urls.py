from django.urls import path

from core import views

urlpatterns = [
    path("jobs/", views.job_list, name="jobs"),
    path("jobs/rows/", views.job_rows, name="job_rows"),
    path("jobs/<int:job_id>/", views.job_detail, name="job_detail"),
    path("jobs/<int:job_id>/progress/", views.job_progress, name="job_progress"),
    path("jobs/database-report/", views.database_report_start, name="database_report_start"),
    path("grids/<slug:grid>/views/", views.grid_views, name="grid_views"),
    path("grids/<slug:grid>/views/<int:view_id>/delete/", views.grid_view_remove, name="grid_view_delete"),
    path("healthz", views.healthz, name="healthz"),
]

from django.urls import path

from core import views

urlpatterns = [
    path("jobs/", views.job_list, name="jobs"),
    path("jobs/<int:job_id>/", views.job_detail, name="job_detail"),
    path("jobs/<int:job_id>/progress/", views.job_progress, name="job_progress"),
    path("jobs/database-report/", views.database_report_start, name="database_report_start"),
    path("healthz", views.healthz, name="healthz"),
]

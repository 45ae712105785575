from django.urls import path

from campaigns import results_views, views

app_name = "campaigns"

urlpatterns = [
    path("campaigns/", views.campaign_list, name="list"),
    path("campaigns/new/", views.campaign_new, name="new"),
    path("campaigns/policy/", views.policy, name="policy"),
    path("campaigns/sample-size/", views.sample_size_view, name="sample_size"),
    path("campaigns/<int:campaign_id>/", views.campaign_detail, name="detail"),
    path("campaigns/<int:campaign_id>/treatments/new/", views.treatment_edit, name="treatment_new"),
    path("campaigns/<int:campaign_id>/treatments/<int:treatment_id>/", views.treatment_edit, name="treatment_edit"),
    path("campaigns/<int:campaign_id>/do/<str:action>/", views.campaign_action, name="action"),
    path("campaigns/<int:campaign_id>/contacts/<str:channel>.csv", views.contact_file, name="contact_file"),
    path("results/", results_views.results_list, name="results_list"),
    path("campaigns/<int:campaign_id>/results/", results_views.campaign_results, name="results"),
    path("campaigns/<int:campaign_id>/results/compute/", results_views.results_start, name="results_start"),
    path("campaigns/<int:campaign_id>/results.csv", results_views.results_csv, name="results_csv"),
]

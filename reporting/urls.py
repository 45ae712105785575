from django.urls import path

from reporting import plan_views, views

# The results pages and the planner were first served by campaigns and keep their `campaigns:` names, so every
# link and bookmark still resolves: config/urls.py adds these to the campaigns' namespace.
campaign_urlpatterns = [
    path("campaigns/sample-size/", views.sample_size_view, name="sample_size"),
    path("results/", views.results_list, name="results_list"),
    path("campaigns/<int:campaign_id>/results/", views.campaign_results, name="results"),
    path("campaigns/<int:campaign_id>/results/compute/", views.results_start, name="results_start"),
    path("campaigns/<int:campaign_id>/results.csv", views.results_csv, name="results_csv"),
    path(
        "campaigns/<int:campaign_id>/results/treatments/<int:treatment_id>/response/",
        views.response_definition_edit,
        name="response_definition",
    ),
]

app_name = "reporting"

urlpatterns = [
    path("plan/", plan_views.plan, name="plan"),
    path("plan/campaigns/<int:campaign_id>/dates/", plan_views.plan_dates, name="plan_dates"),
    path("portfolios/", plan_views.portfolio_list, name="portfolios"),
]

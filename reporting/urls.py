from django.urls import path

from reporting import plan_views, scenario_views, store_event_views, views

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
    path("plan/programme/", scenario_views.programme_view, name="programme"),
    path("plan/scenarios/", scenario_views.scenario_list, name="scenarios"),
    path("plan/scenarios/new/", scenario_views.scenario_new, name="scenario_new"),
    path("plan/scenarios/compare/", scenario_views.scenario_compare, name="scenario_compare"),
    path("plan/scenarios/<int:scenario_id>/", scenario_views.scenario_detail, name="scenario"),
    path("plan/scenarios/stores/", store_event_views.store_event_list, name="store_events"),
    path("plan/scenarios/stores/new/", store_event_views.store_event_new, name="store_event_new"),
    path("plan/scenarios/stores/<int:event_id>/", store_event_views.store_event_detail, name="store_event"),
    path("plan/scenarios/stores/<int:event_id>/edit/", store_event_views.store_event_edit, name="store_event_edit"),
    path(
        "plan/scenarios/<int:scenario_id>/assumptions/",
        scenario_views.scenario_assumptions,
        name="scenario_assumptions",
    ),
    path("plan/scenarios/<int:scenario_id>/add/", scenario_views.scenario_add, name="scenario_add"),
    path("plan/scenarios/<int:scenario_id>/promote/", scenario_views.scenario_promote, name="scenario_promote"),
    path(
        "plan/scenarios/<int:scenario_id>/campaigns/<int:campaign_id>/drop/",
        scenario_views.scenario_campaign_drop,
        name="scenario_campaign_drop",
    ),
    path(
        "plan/scenarios/<int:scenario_id>/campaigns/<int:campaign_id>/dates/",
        scenario_views.scenario_campaign_dates,
        name="scenario_campaign_dates",
    ),
    path(
        "plan/scenarios/<int:scenario_id>/portfolios/<int:portfolio_id>/drop/",
        scenario_views.scenario_portfolio_drop,
        name="scenario_portfolio_drop",
    ),
    path(
        "plan/scenarios/<int:scenario_id>/portfolios/change/",
        scenario_views.scenario_portfolio_change,
        name="scenario_portfolio_change",
    ),
    path(
        "plan/scenarios/<int:scenario_id>/treatments/<int:treatment_id>/",
        scenario_views.scenario_treatment,
        name="scenario_treatment",
    ),
]

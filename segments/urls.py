from django.urls import path

from segments import views

app_name = "segments"

urlpatterns = [
    path("segments/", views.segment_list, name="list"),
    path("segments/rows/", views.segment_rows, name="rows"),
    path("segments/new/", views.segment_edit, name="new"),
    path("segments/<int:segment_id>/", views.segment_edit, name="edit"),
    path("segments/preview/", views.segment_preview, name="preview"),
    path("segments/lifecycle/", views.lifecycle, name="lifecycle"),
    path("segments/lifecycle/stages/<int:stage_id>/", views.stage_edit, name="stage_edit"),
    path("segments/value/", views.value_model, name="value"),
    path("segments/value/customers.csv", views.value_export, name="value_export"),
    path("segments/jobs/<str:kind>/", views.refresh_start, name="refresh"),
    path("portfolios/new/", views.portfolio_edit, name="portfolio_new"),
    path("portfolios/<int:portfolio_id>/", views.portfolio_detail, name="portfolio"),
    path("portfolios/<int:portfolio_id>/edit/", views.portfolio_edit, name="portfolio_edit"),
    path("portfolios/<int:portfolio_id>/budget/", views.portfolio_budget, name="portfolio_budget"),
    path("portfolios/<int:portfolio_id>/objectives/", views.portfolio_objective, name="portfolio_objective"),
    path(
        "portfolios/<int:portfolio_id>/objectives/<int:objective_id>/delete/",
        views.portfolio_objective_delete,
        name="portfolio_objective_delete",
    ),
    path("portfolios/budget-requests/<int:request_id>/", views.budget_request_decide_view, name="budget_decide"),
]

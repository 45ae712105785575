from django.urls import path

from campaigns import views

app_name = "campaigns"

urlpatterns = [
    path("campaigns/", views.campaign_list, name="list"),
    path("campaigns/rows/", views.campaign_rows, name="rows"),
    path("campaigns/new/", views.campaign_new, name="new"),
    path("campaigns/policy/", views.policy, name="policy"),
    path("campaigns/suppressions/", views.suppression_list, name="suppressions"),
    path("campaigns/suppressions/<int:suppression_id>/remove/", views.suppression_delete, name="suppression_remove"),
    path("campaigns/<int:campaign_id>/", views.campaign_detail, name="detail"),
    path("campaigns/<int:campaign_id>/edit/", views.campaign_edit, name="edit"),
    path("campaigns/<int:campaign_id>/copy/", views.campaign_copy_new, name="copy"),
    path("campaigns/<int:campaign_id>/delete/", views.campaign_delete_draft, name="delete"),
    path("campaigns/<int:campaign_id>/offers/", views.offer_allocation, name="offers"),
    path("campaigns/<int:campaign_id>/offers/allocate/", views.offer_allocation_start, name="offers_allocate"),
    path("campaigns/<int:campaign_id>/design/", views.test_design_edit, name="test_design"),
    path("campaigns/<int:campaign_id>/treatments/new/", views.treatment_edit, name="treatment_new"),
    path("campaigns/<int:campaign_id>/treatments/<int:treatment_id>/", views.treatment_edit, name="treatment_edit"),
    path("campaigns/<int:campaign_id>/do/<str:action>/", views.campaign_action, name="action"),
    path("campaigns/<int:campaign_id>/contacts/<str:channel>.csv", views.contact_file, name="contact_file"),
]

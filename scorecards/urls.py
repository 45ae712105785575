from django.urls import path

from scorecards import views

app_name = "scorecards"
urlpatterns = [
    path("scorecards/", views.assessment_list, name="list"),
    path("scorecards/new/", views.assessment_start, name="create"),
    path("scorecards/<int:assessment_id>/", views.assessment_detail, name="detail"),
    path("scorecards/<int:assessment_id>/fill/", views.assessment_fill, name="fill"),
    path("scorecards/<int:assessment_id>/submit/", views.assessment_submit_view, name="submit"),
    path("scorecards/<int:assessment_id>/delete/", views.assessment_delete_view, name="delete"),
    path("scorecards/<int:assessment_id>/compare/", views.assessment_compare, name="compare"),
    path("scorecards/<int:assessment_id>/print/", views.assessment_print, name="print"),
    path("scorecards/templates/new/", views.template_new, name="template_create"),
    path("scorecards/templates/<int:template_id>/", views.template_edit, name="template_edit"),
]

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from campaigns.urls import urlpatterns as campaign_urlpatterns
from core.login import ThrottledAuthenticationForm
from reporting.urls import campaign_urlpatterns as campaign_results_urlpatterns

handler403 = "core.views.permission_denied"
handler404 = "core.views.page_not_found"

urlpatterns = [
    path(
        "login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True, authentication_form=ThrottledAuthenticationForm),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("", include("customers.urls")),
    path("", include("segments.urls")),
    path("", include("offers.urls")),
    # One namespace, two apps: the results pages moved to reporting without changing their names.
    path("", include((campaign_urlpatterns + campaign_results_urlpatterns, "campaigns"))),
    path("", include("reporting.urls")),
    path("", include("core.urls")),
    path("", include("scorecards.urls")),
    path("", include("desk.urls")),
]

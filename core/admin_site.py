from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from core.roles import is_admin


class DeskAdminSite(admin.AdminSite):
    site_header = "Campaign Desk administration"
    site_title = "Campaign Desk admin"

    def has_permission(self, request: HttpRequest) -> bool:
        return request.user.is_active and is_admin(request.user)

    def login(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        # A signed-in user without the Admin role is refused, not sent round the login form again.
        if request.user.is_authenticated and not self.has_permission(request):
            raise PermissionDenied("Only administrators use the admin.")
        return super().login(request, extra_context)

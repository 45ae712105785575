from django.contrib import admin

from core.models import Job


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = ["id", "kind", "title", "owner", "status", "progress", "created_at", "finished_at"]
    list_filter = ["kind", "status"]
    search_fields = ["title", "celery_task_id"]
    readonly_fields = [field.name for field in Job._meta.fields]

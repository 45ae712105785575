from django.contrib import admin

from customers.models import Category, Customer, DataImport, Store


@admin.register(Store)
class StoreAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "region", "opened_on", "closed_on"]
    list_filter = ["region"]
    search_fields = ["code", "name"]


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "margin_rate"]
    list_editable = ["margin_rate"]
    search_fields = ["code", "name"]


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ["external_id", "name", "email", "region", "home_store", "signup_date"]
    search_fields = ["=external_id", "email"]
    list_select_related = ["home_store"]
    raw_id_fields = ["home_store"]
    show_full_result_count = False  # counting a million customers on every page would be slow

    def has_delete_permission(self, request, obj=None) -> bool:
        # A customer's purchases, contacts and audiences point at their row: a person is erased on the
        # customer's page (customers.services.customer_erase), never deleted.
        return False


@admin.register(DataImport)
class DataImportAdmin(admin.ModelAdmin):
    list_display = ["file_name", "kind", "preset", "created_by", "created_at", "problem_count"]
    list_filter = ["kind"]
    readonly_fields = [field.name for field in DataImport._meta.fields]

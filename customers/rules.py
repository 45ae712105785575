import rules

from core.roles import has_any_role, is_admin, is_manager

rules.add_perm("customers.view_customers", has_any_role)
rules.add_perm("customers.view_imports", is_admin | is_manager)
rules.add_perm("customers.run_imports", is_admin)
rules.add_perm("customers.erase_customer", is_admin)

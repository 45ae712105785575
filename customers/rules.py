import rules

from core.roles import has_any_role, is_admin, is_manager, is_marketer

rules.add_perm("customers.view_customers", has_any_role)
rules.add_perm("customers.view_imports", is_admin | is_manager)
rules.add_perm("customers.run_imports", is_admin)
rules.add_perm("customers.erase_customer", is_admin)
# Postal addresses are for those who send direct mail, not for everyone who reads a customer.
rules.add_perm("customers.view_addresses", is_marketer | is_manager | is_admin)

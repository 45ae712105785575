import rules

from core.roles import has_any_role, is_manager

# Every role reads the plan; what each may change on it is the campaigns' and portfolios' own rules.
rules.add_perm("reporting.view_plan", has_any_role)
# Every role reads scenarios and compares them with the plan; only a manager makes, changes or promotes one.
rules.add_perm("reporting.view_scenarios", has_any_role)
rules.add_perm("reporting.manage_scenarios", is_manager)

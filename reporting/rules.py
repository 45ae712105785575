import rules

from core.roles import has_any_role

# Every role reads the plan; what each may change on it is the campaigns' and portfolios' own rules.
rules.add_perm("reporting.view_plan", has_any_role)

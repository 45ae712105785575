import rules

from core.roles import has_any_role, is_admin, is_manager

rules.add_perm("scorecards.view_scorecards", has_any_role)
rules.add_perm("scorecards.assess", is_manager | is_admin)
rules.add_perm("scorecards.change_template", is_admin)

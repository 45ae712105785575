"""Who may see and change the offer bank: everyone with a role sees it; marketers, managers and admins change it."""

import rules

from core.roles import has_any_role, is_admin, is_manager, is_marketer

rules.add_perm("offers.view_offers", has_any_role)
rules.add_perm("offers.change_offers", is_marketer | is_manager | is_admin)

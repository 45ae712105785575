import rules

from core.roles import has_any_role, is_admin, is_manager, is_marketer, is_segment_owner


@rules.predicate
def owns_portfolio(user, portfolio) -> bool:
    return portfolio is not None and portfolio.owner_id == user.id


@rules.predicate
def owns_segment(user, segment) -> bool:
    return segment is not None and segment.owner_id == user.id


rules.add_perm("segments.view_segments", has_any_role)
rules.add_perm("segments.add_segment", is_marketer | is_segment_owner | is_manager | is_admin)
rules.add_perm("segments.change_segment", owns_segment | is_manager | is_admin)
rules.add_perm("segments.view_portfolios", has_any_role)
rules.add_perm("segments.change_portfolio", owns_portfolio | is_manager)
rules.add_perm("segments.manage_portfolios", is_manager | is_admin)
rules.add_perm("segments.approve_budgets", is_manager)
rules.add_perm("segments.change_stages", is_admin)
rules.add_perm("segments.run_refresh", is_manager | is_admin)

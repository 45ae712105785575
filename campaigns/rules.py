import rules

from core.roles import has_any_role, is_admin, is_manager, is_marketer


@rules.predicate
def owns_campaign(user, campaign) -> bool:
    return campaign is not None and campaign.owner_id == user.id


@rules.predicate
def owns_campaign_portfolio(user, campaign) -> bool:
    return campaign is not None and campaign.portfolio is not None and campaign.portfolio.owner_id == user.id


rules.add_perm("campaigns.view_campaigns", has_any_role)
rules.add_perm("campaigns.add_campaign", is_marketer | is_manager)
rules.add_perm("campaigns.change_campaign", owns_campaign | is_manager)
# Separation of duties: whoever created a campaign never approves it, whatever their role.
rules.add_perm("campaigns.approve_campaign", (owns_campaign_portfolio | is_manager) & ~owns_campaign)
rules.add_perm("campaigns.download_contacts", owns_campaign | is_manager | is_admin)
rules.add_perm("campaigns.change_policy", is_manager)
rules.add_perm("campaigns.change_suppressions", is_manager | is_admin)

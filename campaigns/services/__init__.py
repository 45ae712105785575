"""Writes to campaigns: the workflow, treatments, the contact policy, suppressions, audience builds, releases."""

from campaigns.services.audience import audience_build
from campaigns.services.drafts import campaign_cancel
from campaigns.services.release import campaign_release
from campaigns.services.suppressions import suppression_add, suppression_remove
from campaigns.services.workflow import (
    CampaignError,
    campaign_approve,
    campaign_close,
    campaign_create,
    campaign_reject,
    campaign_start_measuring,
    campaign_submit,
    campaign_test_design_update,
    contact_policy,
    contact_policy_update,
    treatment_save,
)

__all__ = [
    "CampaignError",
    "audience_build",
    "campaign_approve",
    "campaign_cancel",
    "campaign_close",
    "campaign_create",
    "campaign_reject",
    "campaign_release",
    "campaign_start_measuring",
    "campaign_submit",
    "campaign_test_design_update",
    "contact_policy",
    "contact_policy_update",
    "suppression_add",
    "suppression_remove",
    "treatment_save",
]

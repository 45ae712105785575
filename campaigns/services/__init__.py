"""Writes to campaigns: the workflow, treatments, the contact policy, audience builds and releases."""

from campaigns.services.audience import audience_build
from campaigns.services.release import campaign_release
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
    "campaign_close",
    "campaign_create",
    "campaign_reject",
    "campaign_release",
    "campaign_start_measuring",
    "campaign_submit",
    "campaign_test_design_update",
    "contact_policy",
    "contact_policy_update",
    "treatment_save",
]

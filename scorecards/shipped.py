"""The two scorecards every installation starts with: what each level of practice looks like, per process."""

from typing import TypedDict


class ProcessText(TypedDict):
    key: str
    name: str
    basic: str
    developing: str
    advanced: str


class AreaText(TypedDict):
    name: str
    processes: list[ProcessText]


class TemplateText(TypedDict):
    key: str
    name: str
    description: str
    areas: list[AreaText]


DIRECT_MARKETING: TemplateText = {
    "key": "direct-marketing",
    "name": "Direct-marketing maturity",
    "description": (
        "How far the team plans, builds, runs and learns from its campaigns as a discipline rather than as a "
        "string of one-off sends. Score it once a year, or after a large project, and compare."
    ),
    "areas": [
        {
            "name": "Strategy",
            "processes": [
                {
                    "key": "planning-process",
                    "name": "Planning process",
                    "basic": (
                        "Campaigns happen when someone spots a chance; there is no calendar for the quarter or "
                        "the year, and other departments hear about a campaign when it goes out."
                    ),
                    "developing": (
                        "A quarterly and yearly plan exists and stores, operations and IT help shape it. Last "
                        "year's results are read before the next plan is set."
                    ),
                    "advanced": (
                        "The campaign plan is one part of the company's budgeting round. Alternative versions of "
                        "the plan are costed as what-if scenarios when the market or the strategy shifts."
                    ),
                },
                {
                    "key": "segment-planning",
                    "name": "Segment planning",
                    "basic": (
                        "Customers are grouped by broad traits such as channel or favourite department, and "
                        "offers are matched to those groups by hand."
                    ),
                    "developing": (
                        "Segments come from analysis of behaviour or needs, but budgets and plans are still made "
                        "by department, with segments an afterthought."
                    ),
                    "advanced": (
                        "Each segment has an owner who answers for its budget, objectives and profit, and the "
                        "segment plans add up to the marketing plan."
                    ),
                },
                {
                    "key": "strategic-development",
                    "name": "Strategic development",
                    "basic": (
                        "Campaigns are not traced back to the brand or sales goals, usually use one channel and "
                        "are tuned one at a time."
                    ),
                    "developing": (
                        "Campaigns belong to programmes and themes that follow the brand, and they run and are "
                        "tuned across several channels."
                    ),
                    "advanced": (
                        "Every customer contact, planned or triggered in the moment, is a chance to raise that "
                        "customer's value, and the whole company works to the same plan."
                    ),
                },
            ],
        },
        {
            "name": "Campaign creation",
            "processes": [
                {
                    "key": "campaign-planning",
                    "name": "Campaign planning",
                    "basic": (
                        "A campaign is briefed as a mailing: who gets it and when. Targets, costs and the test "
                        "design are rarely written down beforehand."
                    ),
                    "developing": (
                        "Each campaign has an objective, a budget, a forecast and a holdout agreed before it is "
                        "built, using a shared template."
                    ),
                    "advanced": (
                        "Campaigns are designed as experiments: competing treatments, sample sizes worked out in "
                        "advance, and forecasts built on what similar campaigns actually did."
                    ),
                },
                {
                    "key": "cross-channel",
                    "name": "Cross-channel",
                    "basic": (
                        "Each channel team runs its own sends, so one customer may receive clashing messages "
                        "and offers in the same week."
                    ),
                    "developing": (
                        "Channels share a calendar and a contact policy, and some campaigns reach the same "
                        "customers through more than one channel."
                    ),
                    "advanced": (
                        "A customer gets the same personal offer wherever they meet the brand, and the channel "
                        "is chosen per customer by what works best for them."
                    ),
                },
            ],
        },
        {
            "name": "Campaign execution",
            "processes": [
                {
                    "key": "organisational-readiness",
                    "name": "Organisational readiness",
                    "basic": (
                        "Nobody clearly owns campaign approvals or data; launches wait on favours and sign-off "
                        "takes as long as it takes."
                    ),
                    "developing": (
                        "Roles for planning, approval and analysis are named, and approvals follow an agreed "
                        "route within an agreed time."
                    ),
                    "advanced": (
                        "Every role is staffed and trained, approvals are quick and routine, and the team can "
                        "launch a well-built campaign at short notice."
                    ),
                },
                {
                    "key": "response-tracking",
                    "name": "Response tracking",
                    "basic": (
                        "Success is judged from total sales or redemptions, with no group left out for comparison."
                    ),
                    "developing": (
                        "Most campaigns keep a holdout, and responses are matched to contacts within a set "
                        "window after the send."
                    ),
                    "advanced": (
                        "Every treatment is measured against its control, with confidence intervals, and "
                        "results arrive quickly enough to adjust a running campaign."
                    ),
                },
            ],
        },
        {
            "name": "Campaign analysis",
            "processes": [
                {
                    "key": "pl-behaviour-goals",
                    "name": "P&L and behaviour goals",
                    "basic": (
                        "Campaigns report response counts or revenue; costs and what customers did afterwards "
                        "are not connected to them."
                    ),
                    "developing": (
                        "Each measured campaign has a net incremental profit and loss, after contact and offer costs."
                    ),
                    "advanced": (
                        "Campaigns are judged both on net profit and on whether they moved customers between "
                        "lifecycle stages as their portfolio's objectives asked."
                    ),
                },
                {
                    "key": "continuous-improvement",
                    "name": "Continuous improvement",
                    "basic": "Results are filed away; the next campaign repeats the last one.",
                    "developing": (
                        "Treatments are tested against each other and the winners noted, sometimes changing the "
                        "next campaign."
                    ),
                    "advanced": (
                        "A steady programme of head-to-head tests feeds every new campaign, and the team can "
                        "show what it changed because of a result."
                    ),
                },
            ],
        },
    ],
}

GROWTH_LEVERS: TemplateText = {
    "key": "growth-levers",
    "name": "Retail growth levers",
    "description": (
        "The four ways marketing grows a retailer's sales and profit, and what the retailers who lead on each do "
        "differently from the rest."
    ),
    "areas": [
        {
            "name": "Growth levers",
            "processes": [
                {
                    "key": "traffic",
                    "name": "Traffic",
                    "basic": (
                        "Footfall and site visits are bought with broad advertising; customers who drift away "
                        "are noticed only when sales fall."
                    ),
                    "developing": (
                        "Customer data picks who receives mass promotions, and lapsing customers are contacted "
                        "in batches."
                    ),
                    "advanced": (
                        "Visits are driven customer by customer: each one's risk of drifting away is predicted "
                        "and acted on, and prospects are found in the data."
                    ),
                },
                {
                    "key": "conversion",
                    "name": "Conversion",
                    "basic": (
                        "Once a customer is in the store or on the site, what they look at is unknown and offers "
                        "are the same for everyone."
                    ),
                    "developing": (
                        "Offers follow what customers have shown interest in, for some customers and some channels."
                    ),
                    "advanced": (
                        "Interests are tracked per customer, offers are made to measure, and a customer finds the "
                        "same offer in every channel."
                    ),
                },
                {
                    "key": "basket-size",
                    "name": "Basket size",
                    "basic": (
                        "Promotions push what is in stock; nobody tracks how many categories a customer buys "
                        "from over time."
                    ),
                    "developing": (
                        "A loyalty programme records what customers buy, and some campaigns cross-sell between "
                        "categories."
                    ),
                    "advanced": (
                        "Customers are led into new categories step by step, on purpose, with messages that fit "
                        "the occasion they are shopping for."
                    ),
                },
                {
                    "key": "margin",
                    "name": "Margin",
                    "basic": (
                        "Discounts are given wherever sales are soft, and nobody checks whether they pay for "
                        "themselves."
                    ),
                    "developing": (
                        "Offer costs are counted against the margin they bring, and the worst incentives are dropped."
                    ),
                    "advanced": (
                        "Customers are managed by their value and their response to marketing: only those who "
                        "need an incentive get one, and the experience is joined up across channels."
                    ),
                },
            ],
        },
    ],
}

SHIPPED: list[TemplateText] = [DIRECT_MARKETING, GROWTH_LEVERS]

from segments.models.features import CustomerCategoryShare, CustomerFeatures, FeatureRun
from segments.models.lifecycle import LifecycleStage, StageAssignment, StagingRun
from segments.models.portfolios import BudgetRequest, Portfolio, PortfolioBudget, PortfolioObjective
from segments.models.segments import Segment, SegmentSize
from segments.models.value import ValueModelFit

__all__ = [
    "BudgetRequest",
    "CustomerCategoryShare",
    "CustomerFeatures",
    "FeatureRun",
    "LifecycleStage",
    "Portfolio",
    "PortfolioBudget",
    "PortfolioObjective",
    "Segment",
    "SegmentSize",
    "StageAssignment",
    "StagingRun",
    "ValueModelFit",
]

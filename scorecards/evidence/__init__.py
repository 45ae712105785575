"""Evidence measured from the team's own work in the app, beside each process of a scorecard.

The registry (`registry.py`) keys indicators by process; `practice.py` measures the direct-marketing maturity
processes and `levers.py` the retail growth levers. Importing this package registers them all.
"""

from scorecards.evidence import levers, practice
from scorecards.evidence.registry import INDICATORS, Figure, Period, measure_processes, years_before

__all__ = ["INDICATORS", "Figure", "Period", "levers", "measure_processes", "practice", "years_before"]

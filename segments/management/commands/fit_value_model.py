from argparse import ArgumentTypeError
from datetime import date
from typing import Any

from django.core.management.base import CommandParser

from core.commands import JobCommand
from core.lib.days import as_of_words
from core.models import Job
from core.services import JobSpec
from segments.tasks import refresh_spec
from segments.value import Horizon


def horizon_argument(text: str) -> Horizon:
    try:
        return Horizon.parse(text)
    except ValueError as error:
        raise ArgumentTypeError(str(error)) from None


class Command(JobCommand):
    help = (
        "Fit the customer value model (BG/NBD) on the published features, as of the end of their day, and "
        "store every customer's probability of being active and purchases expected over the horizon."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--as-of",
            type=date.fromisoformat,
            default=None,
            help="YYYY-MM-DD: the last day whose purchases count; the features must be as of it "
            "(default: the published features' date)",
        )
        parser.add_argument(
            "--horizon",
            type=horizon_argument,
            default=None,
            help="how far ahead purchases are expected, in weeks (26w) or days (90d); default 90d",
        )
        super().add_arguments(parser)

    def job_spec(self, *, as_of: date | None, horizon: Horizon | None, **options: Any) -> JobSpec:
        params: dict[str, Any] = {"as_of": str(as_of)} if as_of else {}
        if horizon:
            params["horizon_days"] = horizon.days
        return refresh_spec(Job.Kind.CUSTOMER_VALUE, **params)

    def describe(self, result: dict[str, Any]) -> str:
        horizon = Horizon(result["horizon_days"])
        return "\n".join(
            [
                f"BG/NBD {as_of_words(date.fromisoformat(result['as_of']))}, fitted on {result['customers']:,} "
                "customers who bought:",
                f"  r (shape of the purchase rate)      {result['r']:.4f}",
                f"  alpha (scale of the purchase rate)  {result['alpha']:.4f}",
                f"  a (drop-out, first shape)           {result['a']:.4f}",
                f"  b (drop-out, second shape)          {result['b']:.4f}",
                f"  log-likelihood                      {result['log_likelihood']:.4f}",
                f"Purchases expected over the next {horizon.label}: {result['expected_purchases']:,.1f}",
            ]
        )

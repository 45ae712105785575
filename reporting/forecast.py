"""What a treatment is expected to return, from plain inputs: pure arithmetic, in integer cents.

    incremental responders = contacts x incremental response rate
    incremental margin     = responders x order value x margin rate
    costs                  = contacts x cost per contact + responders x cost per redemption
                             (or, once released, what the release committed)
    net P&L                = incremental margin - costs;  ROI = net / costs

Every money figure is rounded to the cent once, and a net is the difference of the rounded figures, so a
total is always the sum of what is shown. The range is the same arithmetic at the low and high response rates.
"""

from dataclasses import dataclass, field, replace


@dataclass(frozen=True)
class Inputs:
    contacts: int
    response_rate: float  # incremental: treated less control
    order_value_cents: float
    margin_rate: float
    cost_per_contact_cents: float
    cost_per_redemption_cents: float = 0
    response_low: float | None = None  # the range of the response rate; the rate itself where not given
    response_high: float | None = None
    committed_cents: int | None = None  # released: the costs are what the release booked, whatever is assumed


@dataclass(frozen=True)
class Assumptions:
    """Changes to every treatment's inputs, as fractions (-0.15 is 15% less); costs per contact per channel."""

    response: float = 0
    order_value: float = 0
    margin: float = 0
    cost_per_channel: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Forecast:
    contacts: int = 0
    responders: float = 0
    margin_cents: int = 0
    costs_cents: int = 0
    net_low_cents: int = 0
    net_high_cents: int = 0

    @property
    def net_cents(self) -> int:
        return self.margin_cents - self.costs_cents

    @property
    def roi(self) -> float | None:
        return self.net_cents / self.costs_cents if self.costs_cents else None

    def __add__(self, other: "Forecast") -> "Forecast":
        return Forecast(
            contacts=self.contacts + other.contacts,
            responders=self.responders + other.responders,
            margin_cents=self.margin_cents + other.margin_cents,
            costs_cents=self.costs_cents + other.costs_cents,
            net_low_cents=self.net_low_cents + other.net_low_cents,
            net_high_cents=self.net_high_cents + other.net_high_cents,
        )


def _margin_and_costs(inputs: Inputs, rate: float) -> tuple[float, int, int]:
    responders = inputs.contacts * rate
    margin = round(responders * inputs.order_value_cents * inputs.margin_rate)
    if inputs.committed_cents is not None:
        return responders, margin, inputs.committed_cents
    costs = round(inputs.contacts * inputs.cost_per_contact_cents + responders * inputs.cost_per_redemption_cents)
    return responders, margin, costs


def forecast(inputs: Inputs) -> Forecast:
    responders, margin, costs = _margin_and_costs(inputs, inputs.response_rate)
    low = inputs.response_rate if inputs.response_low is None else inputs.response_low
    high = inputs.response_rate if inputs.response_high is None else inputs.response_high
    _, margin_low, costs_low = _margin_and_costs(inputs, low)
    _, margin_high, costs_high = _margin_and_costs(inputs, high)
    return Forecast(
        contacts=inputs.contacts,
        responders=responders,
        margin_cents=margin,
        costs_cents=costs,
        net_low_cents=min(margin_low - costs_low, margin_high - costs_high),
        net_high_cents=max(margin_low - costs_low, margin_high - costs_high),
    )


def total(forecasts: list[Forecast]) -> Forecast:
    result = Forecast()
    for one in forecasts:
        result = result + one
    return result


def adjusted(inputs: Inputs, assumptions: Assumptions, channel: str) -> Inputs:
    """The inputs as the assumptions change them. A change of response moves the incremental rate by that share
    of its size, so that "response falls 15%" is worse news for a treatment that puts customers off too (its
    negative rate grows); the rate stays between -1 and 1."""

    def rate(value: float | None) -> float | None:
        return None if value is None else min(max(value + abs(value) * assumptions.response, -1.0), 1.0)

    return replace(
        inputs,
        response_rate=rate(inputs.response_rate),
        response_low=rate(inputs.response_low),
        response_high=rate(inputs.response_high),
        order_value_cents=inputs.order_value_cents * (1 + assumptions.order_value),
        margin_rate=min(max(inputs.margin_rate * (1 + assumptions.margin), 0.0), 1.0),
        cost_per_contact_cents=inputs.cost_per_contact_cents * (1 + assumptions.cost_per_channel.get(channel, 0)),
    )

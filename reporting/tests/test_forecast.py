"""The forecast arithmetic on hand-made inputs, to the cent, without a database."""

from reporting.forecast import Assumptions, Forecast, Inputs, adjusted, forecast, total

# 10,000 contacts, 2% incremental response, orders of 45.00 at a 30% margin; 0.50 a contact and 3.00 a redemption.
INPUTS = Inputs(
    contacts=10_000,
    response_rate=0.02,
    response_low=0.01,
    response_high=0.03,
    order_value_cents=4_500,
    margin_rate=0.3,
    cost_per_contact_cents=50,
    cost_per_redemption_cents=300,
)


def test_it_forecasts_responders_margin_costs_net_and_roi_to_the_cent():
    result = forecast(INPUTS)
    # 200 responders x 45.00 x 30% = 2,700.00; 10,000 x 0.50 + 200 x 3.00 = 5,600.00.
    assert result.responders == 200
    assert (result.margin_cents, result.costs_cents, result.net_cents) == (270_000, 560_000, -290_000)
    assert round(result.roi, 4) == round(-290_000 / 560_000, 4)
    # At 1%: 1,350.00 - 5,300.00; at 3%: 4,050.00 - 5,900.00.
    assert (result.net_low_cents, result.net_high_cents) == (-395_000, -185_000)


def test_it_rounds_each_figure_once_and_the_net_is_their_difference():
    result = forecast(
        Inputs(
            contacts=333,
            response_rate=0.0333,
            order_value_cents=1_999,
            margin_rate=0.27,
            cost_per_contact_cents=7,
            cost_per_redemption_cents=99,
        )
    )
    # 11.0889 responders: margin 11.0889 x 1,999 x 0.27 = 5,985.0... cents; costs 2,331 + 1,097.8 cents.
    assert result.margin_cents == round(333 * 0.0333 * 1_999 * 0.27) == 5_985
    assert result.costs_cents == round(333 * 7 + 333 * 0.0333 * 99) == 3_429
    assert result.net_cents == 5_985 - 3_429


def test_a_released_treatment_costs_what_it_committed_whatever_is_assumed():
    released = Inputs(
        contacts=1_000,
        response_rate=0.05,
        order_value_cents=4_000,
        margin_rate=0.3,
        cost_per_contact_cents=10,
        committed_cents=12_345,
    )
    dearer = adjusted(released, Assumptions(cost_per_channel={"email": 0.2}), "email")
    assert forecast(dearer).costs_cents == 12_345
    assert forecast(dearer).margin_cents == 60_000


def test_assumptions_change_the_inputs_by_their_percentages():
    changed = adjusted(
        INPUTS, Assumptions(response=-0.15, order_value=0.1, margin=-0.5, cost_per_channel={"email": 0.2}), "email"
    )
    assert round(changed.response_rate, 6) == 0.017
    assert (round(changed.response_low, 6), round(changed.response_high, 6)) == (0.0085, 0.0255)
    assert round(changed.order_value_cents, 6) == 4_950
    assert changed.margin_rate == 0.15
    assert round(changed.cost_per_contact_cents, 6) == 60
    result = forecast(changed)
    # 170 responders x 49.50 x 15% = 1,262.25; 10,000 x 0.60 + 170 x 3.00 = 6,510.00.
    assert (result.margin_cents, result.costs_cents) == (126_225, 651_000)
    # Another channel's cost does not move.
    assert adjusted(INPUTS, Assumptions(cost_per_channel={"sms": 0.2}), "email").cost_per_contact_cents == 50


def test_a_total_is_the_sum_of_its_parts():
    one, two = (
        forecast(INPUTS),
        forecast(
            Inputs(contacts=500, response_rate=0.1, order_value_cents=1_000, margin_rate=0.5, cost_per_contact_cents=20)
        ),
    )
    both = total([one, two])
    assert both.contacts == 10_500
    assert both.margin_cents == 270_000 + 25_000
    assert both.costs_cents == 560_000 + 10_000
    assert both.net_cents == one.net_cents + two.net_cents
    assert total([]) == Forecast()
    assert Forecast().roi is None


def test_a_fall_in_response_is_worse_news_for_a_treatment_that_puts_customers_off():
    off_putting = Inputs(
        contacts=1_000, response_rate=-0.02, order_value_cents=5_000, margin_rate=0.4, cost_per_contact_cents=10
    )
    weaker = adjusted(off_putting, Assumptions(response=-0.15), "email")
    assert round(weaker.response_rate, 6) == -0.023
    # 23 customers lost rather than 20: -460.00 of margin rather than -400.00.
    assert (forecast(off_putting).margin_cents, forecast(weaker).margin_cents) == (-40_000, -46_000)

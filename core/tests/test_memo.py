"""Figures kept under the data they were made from: made once for the same data, again for new data."""

from datetime import date

from core.lib.memo import digest, remembered


def test_a_figure_is_made_once_for_the_same_data_and_again_for_new_data():
    made = []

    def chart(rows: list) -> dict:
        return remembered(f"test:{digest(rows)}", lambda: made.append(rows) or {"rows": rows})

    assert chart([(date(2026, 1, 1), 3)]) == {"rows": [(date(2026, 1, 1), 3)]}
    assert chart([(date(2026, 1, 1), 3)]) == {"rows": [(date(2026, 1, 1), 3)]}
    assert chart([(date(2026, 1, 1), 4)]) == {"rows": [(date(2026, 1, 1), 4)]}
    assert len(made) == 2


def test_a_kept_figure_changed_by_its_page_stays_as_it_was_made():
    figure = remembered("test:layout", lambda: {"layout": {"margin": {"t": 32}}})
    figure["layout"]["margin"]["t"] = 64
    assert remembered("test:layout", lambda: {})["layout"]["margin"]["t"] == 32

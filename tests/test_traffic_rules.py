"""Weights decide the live and the candidate color; the tie rule is blue live, green candidate."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from components.spec import ConfigError, Traffic, parse_spec
from components.traffic import candidate_color, live_color, weights


@pytest.mark.parametrize(
    ("blue", "green", "live", "candidate"),
    [(100, 0, "blue", "green"), (90, 10, "blue", "green"), (50, 50, "blue", "green"),
     (49, 51, "green", "blue"), (0, 100, "green", "blue")],
)
def test_live_and_candidate(blue: int, green: int, live: str, candidate: str) -> None:
    traffic = Traffic(blue=blue, green=green)
    assert (live_color(traffic), candidate_color(traffic)) == (live, candidate)
    assert weights(traffic) == {"blue": blue, "green": green}


@given(st.integers(-50, 150), st.integers(-50, 150))
def test_weights_are_valid_exactly_when_integers_0_to_100_summing_to_100(blue: int, green: int) -> None:
    raw = {"blue": {"image": "a:1"}, "green": {"image": "b:1"}, "traffic": {"blue": blue, "green": green}}
    valid = 0 <= blue <= 100 and 0 <= green <= 100 and blue + green == 100
    if valid:
        spec = parse_spec(raw)
        assert live_color(spec.traffic) != candidate_color(spec.traffic)
    else:
        with pytest.raises(ConfigError) as caught:
            parse_spec(raw)
        assert all(p.key.startswith("bluegreen:traffic") for p in caught.value.problems)

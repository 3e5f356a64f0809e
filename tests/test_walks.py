"""Property-based: random walks through every scenario end cleanly and replay identically."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trustkit.engine import Encounter, replay
from trustkit.scenario import SAFETY_FLOOR, load, packaged_ids

from .conftest import MINI

SCENARIOS = [str(MINI), *packaged_ids()]
MAX_TURNS = 200


@pytest.mark.parametrize("ref", SCENARIOS)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), seed=st.integers(min_value=0, max_value=2**31))
def test_random_walk_ends_and_replays(ref: str, data: st.DataObject, seed: int) -> None:
    sc = load(ref)
    enc = Encounter(sc, seed=seed)
    stop_at = data.draw(st.integers(min_value=1, max_value=MAX_TURNS), label="stop_at")
    undo_at = data.draw(st.integers(min_value=0, max_value=MAX_TURNS), label="undo_at")
    while not enc.finished and len(enc.turns) < stop_at:
        before = enc.overall_trust
        i = data.draw(st.integers(min_value=0, max_value=len(enc.options) - 1), label="choice")
        turn = enc.step(i)
        assert turn.overall_before == pytest.approx(before)
        assert all(0 <= v <= 100 for v in enc.trust.values())
        if len(enc.turns) == undo_at:
            enc.undo()
    # a clean stop, or an ending
    assert enc.finished or len(enc.turns) == stop_at or len(enc.turns) == stop_at - 1
    # facts are only disclosed at or above their threshold (safety facts: above the floor)
    for t in enc.turns:
        for f in t.disclosed:
            fact = sc.fact(f)
            needed = min(fact.threshold, SAFETY_FLOOR) if fact.safety else fact.threshold
            assert t.overall_after >= needed
    again = replay(json.loads(json.dumps(enc.transcript())), sc)
    assert again.state_summary() == enc.state_summary()


@pytest.mark.parametrize("ref", SCENARIOS)
def test_every_walk_can_finish(ref: str) -> None:
    """From every reachable node some path reaches an ending within the turn budget."""
    import random

    sc = load(ref)
    for seed in range(200):
        rng = random.Random(seed)
        enc = Encounter(sc)
        while not enc.finished and len(enc.turns) < MAX_TURNS:
            enc.step(rng.randrange(len(enc.options)))
        assert enc.finished, f"{sc.id}: a random walk (seed {seed}) did not end in {MAX_TURNS}"

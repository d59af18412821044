"""Receive quality: layers fit tiles, a failing link steps down to audio only and back."""

from __future__ import annotations

from facilitation.receive_quality import (
    AUDIO_ONLY,
    LOWEST_LAYER,
    TOP_LAYER,
    ReceiveQuality,
    layer_for_height,
)


def test_big_tiles_get_the_high_layer_and_thumbnails_the_low_one() -> None:
    assert layer_for_height(720) == 2
    assert layer_for_height(200) == 1
    # Thumbnails get the lowest layer a browser really sends.
    assert layer_for_height(90) == LOWEST_LAYER == 1
    plan = ReceiveQuality().plan({"speaker": 540, "thumb": 100})
    assert plan == {"speaker": 2, "thumb": LOWEST_LAYER}


def test_heavy_loss_steps_down_to_audio_only_one_step_at_a_time() -> None:
    q = ReceiveQuality()
    t = 100.0
    caps = []
    for _ in range(12):
        q.report(0.25, t)
        caps.append(q.cap)
        t += 1.0
    assert caps[0] == TOP_LAYER - 1
    assert caps[1] == caps[0]  # not twice within STEP_DOWN_EVERY
    assert q.cap == AUDIO_ONLY and q.video_paused
    assert q.plan({"a": 540, "b": 100}) == {"a": None, "b": None}


def test_a_recovered_link_climbs_back_slowly() -> None:
    q = ReceiveQuality(cap=AUDIO_ONLY, last_change=0.0)
    t = 10.0
    q.report(0.0, t)
    assert q.cap == AUDIO_ONLY  # one good report is not enough
    t += 13
    assert q.report(0.0, t) and q.cap == LOWEST_LAYER
    assert not q.report(0.0, t + 1)
    assert q.report(0.0, t + 13) and q.cap == 2
    # Moderate loss neither climbs nor falls.
    assert not q.report(0.05, t + 40) and q.cap == 2


def test_the_cap_limits_each_tile() -> None:
    q = ReceiveQuality(cap=1)
    assert q.plan({"speaker": 720, "thumb": 60}) == {"speaker": 1, "thumb": 1}

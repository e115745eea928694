"""The style sheet's colours: a visible focus that cannot be mistaken for an error."""

from __future__ import annotations

import colorsys
import re

import pytest

from tests.fixtures.config import ROOT

CSS = (ROOT / "static" / "css" / "app.css").read_text(encoding="utf-8")
COLOURS = dict(re.findall(r"--([a-z-]+):\s*(#[0-9a-fA-F]{6})", CSS))
LIGHT_BACKGROUNDS = ["bg", "bg-soft", "accent-bg", "info-bg", "warn-bg", "danger-bg", "ok-bg"]
MIN_NON_TEXT_CONTRAST = 3  # WCAG 2.2, 1.4.11 and 2.4.13


def luminance(colour: str) -> float:
    """Relative luminance as WCAG defines it."""
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    r, g, b = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    high, low = sorted([luminance(a), luminance(b)], reverse=True)
    return (high + 0.05) / (low + 0.05)


def hue_degrees(colour: str) -> float:
    rgb = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    return colorsys.rgb_to_hls(*rgb)[0] * 360


def hue_distance(a: str, b: str) -> float:
    d = abs(hue_degrees(a) - hue_degrees(b)) % 360
    return min(d, 360 - d)


@pytest.mark.parametrize("background", LIGHT_BACKGROUNDS)
def test_focus_ring_contrasts_with_every_light_background(background):
    assert contrast(COLOURS["focus"], COLOURS[background]) >= MIN_NON_TEXT_CONTRAST


def test_focus_ring_on_the_header_contrasts_with_it():
    assert contrast(COLOURS["focus-on-dark"], COLOURS["accent-dark"]) >= MIN_NON_TEXT_CONTRAST


@pytest.mark.parametrize("ring", ["focus", "focus-on-dark"])
def test_focus_ring_is_not_the_colour_of_errors_or_warnings(ring):
    """Red, orange and amber read as "something is wrong": the ring stays 60 degrees away."""
    for alarm in ("danger", "warn"):
        assert hue_distance(COLOURS[ring], COLOURS[alarm]) >= 60, (ring, alarm)


def test_focus_ring_is_drawn_with_these_colours():
    assert ":focus-visible { outline: 3px solid var(--focus)" in CSS
    assert ".site-header :focus-visible { outline-color: var(--focus-on-dark); }" in CSS

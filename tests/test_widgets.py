"""dlbook.widgets: the learning-rate widget's HTML carries the chapter's surface."""

from __future__ import annotations

import re

import numpy as np
import pytest

from dlbook import descent
from dlbook.widgets import descent_widget


@pytest.fixture
def surface():
    return descent.LineFit(*descent.make_line_data(30, seed=1))


def _attributes(html: str) -> dict[str, str]:
    return dict(re.findall(r'data-([a-z-]+)="([^"]*)"', html))


def test_descent_widget_writes_the_surface_it_is_given(surface):
    widget = descent_widget(surface, [-0.5, 3.0], lr=0.3, num_steps=40,
                            levels=[0.5, 1, 2], xlim=(-1, 5), ylim=(-4, 3.5))
    html = widget._repr_html_()
    assert html.startswith('<div class="dl-descent"')
    data = _attributes(html)
    numbers = {k: np.array([float(v) for v in data[k].split(",")])
               for k in ("hessian", "minimum", "min-loss", "start", "levels")}
    np.testing.assert_array_equal(numbers["hessian"], surface.hessian().ravel())
    np.testing.assert_array_equal(numbers["minimum"], surface.minimum())
    lowest = float(surface.loss(*surface.minimum()))
    assert numbers["min-loss"][0] == pytest.approx(lowest)
    assert data["steps"] == "40" and data["lr"] == "0.3"
    # the page's quadratic is the surface: L* + (θ-θ*)ᵀH(θ-θ*)/2 at another point
    H, star = numbers["hessian"].reshape(2, 2), numbers["minimum"]
    theta = np.array([1.0, 2.0])
    quadratic = numbers["min-loss"][0] + 0.5 * (theta - star) @ H @ (theta - star)
    assert quadratic == pytest.approx(float(surface.loss(*theta)))
    assert "dl-widget-fallback" in html


@pytest.mark.parametrize("kwargs, message", [
    (dict(lr=0.9), "lr must be inside lr_range"),
    (dict(lr_range=(0.5, 0.1)), "lr_range must be"),
    (dict(num_steps=0), "num_steps must be a positive int"),
])
def test_descent_widget_rejects_bad_settings(surface, kwargs, message):
    settings = dict(lr=0.3, num_steps=40, levels=[1], xlim=(-1, 5), ylim=(-4, 3.5))
    settings.update(kwargs)
    with pytest.raises(ValueError, match=message):
        descent_widget(surface, [0, 0], **settings)

"""The playground widget's data (widgets/playground/data.js) are dlbook's data sets:
``base + noise * z``, as the widget computes it, gives ``make_dataset``'s points for any
noise, and the file is what tools/playground_data.py writes from the current dlbook."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from dlbook import playground

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "widgets" / "playground" / "data.js"


def widget_data() -> dict:
    text = DATA.read_text(encoding="utf-8")
    literal = text.split("window.dlPlaygroundData = ", 1)[1]
    return json.loads(literal.rstrip().rstrip(";"))


def _decode(text: str) -> np.ndarray:
    return np.frombuffer(base64.b64decode(text), dtype="<f4").reshape(-1, 2)


@pytest.mark.parametrize("name", sorted(playground.DATASETS))
@pytest.mark.parametrize("noise", [0.0, 0.1, 0.35])
def test_widget_points_are_the_books(name, noise):
    data = widget_data()
    entry = data["datasets"][name]
    base, z = _decode(entry["base"]), _decode(entry["z"])
    X, y = playground.make_dataset(name, data["numPoints"], noise=noise,
                                   seed=data["seed"])
    np.testing.assert_allclose(base.astype(np.float64) + noise * z, X.numpy(),
                               atol=1e-6, rtol=0)
    assert [int(c) for c in entry["y"]] == y.tolist()


def test_data_file_is_up_to_date():
    result = subprocess.run([sys.executable, str(ROOT / "tools" / "playground_data.py"),
                             "--check"], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr

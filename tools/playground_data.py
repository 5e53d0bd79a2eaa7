"""Write the playground widget's data, ``widgets/playground/data.js``, from dlbook.

Usage:
    python tools/playground_data.py          # rewrite widgets/playground/data.js
    python tools/playground_data.py --check  # change nothing; exit 1 if it is stale

The widget draws the book's own data sets, ``dlbook.playground.make_dataset(name, 500,
noise=noise, seed=0)``, for any noise the reader picks. Each data set is a noise-free
point ``base`` plus ``noise`` times a standard normal draw ``z`` (``_pack`` in
``dlbook/playground.py``), and neither ``base``, ``z`` nor the order of the points
depends on the noise. So the file holds, per data set, ``base`` and ``z`` in the order
``make_dataset`` returns its points (float32, base64) and the labels, and the widget
computes ``base + noise * z``. ``tests/test_playground_widget_data.py`` checks that
this gives ``make_dataset``'s points. The file also holds matplotlib's cividis colour
map, the one the chapter's static figures use.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import sys
import tempfile
from pathlib import Path
from unittest import mock

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
TARGET = ROOT / "widgets" / "playground" / "data.js"
NUM_POINTS, SEED = 500, 0


def parts(name: str) -> dict[str, np.ndarray]:
    """``base``, ``z`` (both ``(n, 2)``) and ``y`` of a data set, in its final order."""
    from dlbook import playground

    record = {}
    pack = playground._pack

    def recording_pack(X, y, rng, noise):
        state = rng.bit_generator.state
        z = rng.standard_normal(X.shape)
        order = rng.permutation(len(y))
        record.update(base=X[order], z=z[order], y=y[order])
        rng.bit_generator.state = state  # let the real _pack draw the same numbers
        return pack(X, y, rng, noise)

    with mock.patch.object(playground, "_pack", recording_pack):
        playground.make_dataset(name, NUM_POINTS, noise=0.0, seed=SEED)
    return record


def _float32(array: np.ndarray) -> str:
    return base64.b64encode(np.ascontiguousarray(array, dtype="<f4").tobytes()).decode()


def render() -> str:
    from matplotlib import colormaps
    from dlbook import playground

    datasets = {}
    for name in playground.DATASETS:
        p = parts(name)
        datasets[name] = {"base": _float32(p["base"]), "z": _float32(p["z"]),
                          "y": "".join(str(int(v)) for v in p["y"])}
    colours = (colormaps["cividis"](np.linspace(0, 1, 64))[:, :3] * 255).round()
    data = {"numPoints": NUM_POINTS, "seed": SEED, "datasets": datasets,
            "cividis": colours.astype(int).tolist()}
    return ("/* The book's data sets for the playground widget. Written by "
            "tools/playground_data.py\n * from dlbook.playground; do not edit. */\n"
            f"window.dlPlaygroundData = {json.dumps(data, separators=(',', ':'))};\n")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true",
                        help="exit 1 if the file differs from what dlbook gives")
    args = parser.parse_args()
    text = render()
    if args.check:
        if not TARGET.exists() or TARGET.read_text(encoding="utf-8") != text:
            print(f"{TARGET.relative_to(ROOT)} is stale: run "
                  "`python tools/playground_data.py`", file=sys.stderr)
            return 1
        return 0
    TARGET.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=TARGET.parent,
                                     delete=False, suffix=".tmp") as tmp:
        tmp.write(text)
    os.replace(tmp.name, TARGET)  # never a half-written file
    print(f"wrote {TARGET.relative_to(ROOT)} ({len(text) // 1024} KiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Hypothesis settings and input strategies shared by the property tests of the modules.

Few examples each, so that every module's tests stay fast; Hypothesis keeps failing
examples in .hypothesis/ and tries them first on the next run.
"""

from __future__ import annotations

import numpy as np
import torch
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

FAST = settings(max_examples=10, deadline=None,
                suppress_health_check=[HealthCheck.too_slow,
                                       HealthCheck.function_scoped_fixture])
QUICK = settings(FAST, max_examples=20)

# Values that are not numbers, for "wrong type" cases.
not_numbers = st.one_of(st.none(), st.text(max_size=3), st.lists(st.integers(), max_size=2),
                        st.dictionaries(st.text(max_size=2), st.integers(), max_size=1))
non_ints = st.one_of(not_numbers, st.booleans(),
                     st.floats(allow_nan=False).filter(lambda x: not x.is_integer()))


def tensors(min_dims=1, max_dims=3, max_side=5, low=-5.0, high=5.0):
    """float32 tensors of any small shape with entries in ``[low, high]``."""
    return hnp.arrays(np.float32, hnp.array_shapes(min_dims=min_dims, max_dims=max_dims,
                                                   max_side=max_side),
                      elements=st.floats(low, high, width=32)).map(torch.from_numpy)

import numpy as np
import pytest
import torch
from helpers.strategies import QUICK, non_ints
from hypothesis import example, given
from hypothesis import strategies as st

from dlbook import utils
from dlbook.utils import get_device, get_profile, set_seed


@QUICK
@given(seed=st.integers(0, 2**32 - 1))
def test_set_seed_accepts_every_seed_numpy_takes_and_repeats(seed):
    gen = set_seed(seed)
    assert isinstance(gen, torch.Generator)
    first = (torch.rand(3), np.random.rand(), torch.rand(2, generator=gen))
    gen = set_seed(seed)
    second = (torch.rand(3), np.random.rand(), torch.rand(2, generator=gen))
    assert torch.equal(first[0], second[0]) and first[1] == second[1]
    assert torch.equal(first[2], second[2])


@QUICK
@given(seed=st.one_of(st.integers(max_value=-1), st.integers(min_value=2**32)))
def test_set_seed_rejects_out_of_range(seed):
    with pytest.raises(ValueError, match="seed must be in"):
        set_seed(seed)


@QUICK
@given(seed=non_ints)
def test_set_seed_rejects_non_ints(seed):
    with pytest.raises(TypeError, match="seed must be an int"):
        set_seed(seed)


def test_get_device_defaults_to_what_is_available():
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert get_device().type == expected
    assert get_device("cpu") == torch.device("cpu")


@QUICK
@given(name=st.text(max_size=8).filter(lambda s: s.strip().lower() not in ("cpu", "cuda")
                                       and not s.startswith(("cpu:", "cuda", "mps"))))
@example("gpu")
@example("tpu")
@example("cuda:x")
def test_get_device_rejects_unknown_names(name):
    with pytest.raises(ValueError, match="device"):
        get_device(name)


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the error without CUDA")
def test_get_device_says_when_cuda_is_missing():
    with pytest.raises(ValueError, match="CUDA is not available"):
        get_device("cuda")


@QUICK
@given(device=st.one_of(st.integers(), st.floats(), st.lists(st.text(), max_size=1)))
def test_get_device_rejects_other_types(device):
    with pytest.raises(TypeError, match="device must be"):
        get_device(device)


@QUICK
@given(value=st.sampled_from(utils.PROFILES), pad=st.sampled_from(["", " ", "\n"]),
       upper=st.booleans())
def test_get_profile_reads_the_environment(value, pad, upper):
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DLBOOK_PROFILE", pad + (value.upper() if upper else value) + pad)
        assert get_profile() == value


@QUICK
@given(value=st.text(alphabet="abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=8)
       .filter(lambda s: s not in utils.PROFILES))
def test_get_profile_rejects_unknown_profiles(value):
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DLBOOK_PROFILE", value)
        with pytest.raises(ValueError, match="DLBOOK_PROFILE must be one of"):
            get_profile()


def test_profile_without_the_variable_follows_the_hardware(monkeypatch):
    monkeypatch.delenv("DLBOOK_PROFILE", raising=False)
    assert get_profile() == ("full" if torch.cuda.is_available() else "quick")

"""Progress bars appear only with progress=True, on a terminal, on rank 0."""

import io
import sys

import numpy as np
import pytest

from gpu_laddu.fit import bootstrap, fit, mcmc
from tests.fit.toys import Chi2, DoubleWell


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def fake_terminal(monkeypatch) -> FakeTerminal:
    """Replace stderr by a terminal-like buffer (inside the test: pytest's capture resets it after setup)."""
    stream = FakeTerminal()
    monkeypatch.setattr(sys, "stderr", stream)
    return stream


def _runs(rank=0):
    lik = Chi2(np.zeros(2), np.eye(2), rank=rank)
    return {
        "fit": lambda progress: fit(lik, progress=progress),
        "restarts": lambda progress: fit(DoubleWell(), n_restarts=2, seed=0, progress=progress),
        "bootstrap": lambda progress: bootstrap(lambda s: lik, 2, seed=0, initial=[0.5, 0.5], progress=progress),
        "mcmc": lambda progress: mcmc(lik, 4, 5, seed=0, progress=progress),
    }


@pytest.mark.parametrize("what", ["fit", "restarts", "bootstrap", "mcmc"])
def test_bar_on_a_terminal(monkeypatch, what):
    fake_tty = fake_terminal(monkeypatch)
    _runs()[what](True)
    text = fake_tty.getvalue()
    assert text, "a progress bar was expected on a terminal"
    expected = {"fit": "migrad", "restarts": "migrad starts", "bootstrap": "bootstrap", "mcmc": "mcmc (aies)"}
    assert expected[what] in text


@pytest.mark.parametrize("what", ["fit", "restarts", "bootstrap", "mcmc"])
def test_silent_with_progress_false(monkeypatch, what):
    fake_tty = fake_terminal(monkeypatch)
    _runs()[what](False)
    assert fake_tty.getvalue() == ""


@pytest.mark.parametrize("what", ["fit", "bootstrap", "mcmc"])
def test_silent_on_other_ranks(monkeypatch, what):
    fake_tty = fake_terminal(monkeypatch)
    _runs(rank=1)[what](True)
    assert fake_tty.getvalue() == ""


@pytest.mark.parametrize("what", ["fit", "restarts", "bootstrap", "mcmc"])
def test_silent_when_stderr_is_not_a_terminal(capsys, what):
    _runs()[what](True)
    captured = capsys.readouterr()
    assert captured.err == "" and captured.out == ""

"""Shared test fixtures."""

import pytest
import torch


@pytest.fixture(scope="module")
def one_thread():
    """Tiny models and tensors run fastest on one thread: two threads wait on each other, and on a busy
    shared CPU they crawl. A module opts in with `pytestmark = pytest.mark.usefixtures("one_thread")`;
    the previous setting is restored for the modules that follow."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)

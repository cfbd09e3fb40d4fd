"""External services the tests need: missing ones skip on a workstation, fail under CI=true."""

from __future__ import annotations

import os

import pytest


def service_missing(reason: str) -> None:
    """Skip the test for ``reason``; under ``CI=true`` fail instead: CI must run it."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason} (required under CI=true)")
    pytest.skip(reason)

"""What the other test kits share.

PostgreSQL, Chromium and Java are optional on a developer's machine: a test that needs a missing
one calls ``skip_or_fail``, which skips it with a message saying how to get the missing part. With
CI=true (``IN_CI``) that skip is a failure instead, since CI must run everything.

``free_port`` finds a free loopback port (for the SMTP server, the live server, the fault tests).
"""

from __future__ import annotations

import os
import socket

import pytest

IN_CI = os.environ.get("CI", "").lower() == "true"


def skip_or_fail(message: str) -> None:
    """Skip with instructions on a developer's machine; fail in CI, where everything must run."""
    if IN_CI:
        pytest.fail(f"CI=true and a required part is missing: {message}", pytrace=False)
    pytest.skip(message)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])

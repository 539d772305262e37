"""Fixtures every Energy Hub test shares."""

from __future__ import annotations

from collections.abc import Generator
import logging

import pytest
import pytest_socket

# pytest-homeassistant-custom-component logs every SQL statement at INFO; the
# recorder's thread writes them past pytest's capture into the test output.
logging.getLogger("sqlalchemy.engine").setLevel(logging.WARNING)


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(enable_custom_integrations: None) -> None:
    """Let Home Assistant load custom_components/energy_hub in every test."""


# A CA bundle named in the environment overrides `verify=False` on a requests
# session (pypowerwall's TEDAPI mode relies on it for the gateway's self-signed
# certificate); CI machines name one, a gateway's owner normally does not.
CA_BUNDLE_VARIABLES = ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE")


@pytest.fixture
def loopback(socket_enabled: None, monkeypatch: pytest.MonkeyPatch) -> Generator[None]:
    """Allow real sockets to 127.0.0.1 only, for tests that talk to simulators."""
    pytest_socket.socket_allow_hosts(["127.0.0.1"], allow_unix_socket=True)
    for variable in CA_BUNDLE_VARIABLES:
        monkeypatch.delenv(variable, raising=False)
    yield

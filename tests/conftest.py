"""Fixtures every Energy Hub test shares."""

from collections.abc import Generator
import logging
from unittest.mock import PropertyMock, patch

import pytest
from pytest_homeassistant_custom_component.syrupy import (
    HomeAssistantSnapshotExtension,
)
import pytest_socket
from syrupy.assertion import SnapshotAssertion

# pytest-homeassistant-custom-component logs every SQL statement at INFO; the
# recorder's thread writes them past pytest's capture into the test output.
logging.getLogger("sqlalchemy.engine").setLevel(logging.WARNING)


@pytest.fixture
def snapshot(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    """Snapshots in Home Assistant's format (registry entries, states), as core's.

    syrupy's own `snapshot` fixture would otherwise win over the one of
    pytest-homeassistant-custom-component and write ids and times as they are.
    """
    return snapshot.use_extension(HomeAssistantSnapshotExtension)


@pytest.fixture
def entity_registry_enabled_by_default() -> Generator[None]:
    """Create the entities that are disabled by default enabled, as core does."""
    with patch(
        "homeassistant.helpers.entity.Entity.entity_registry_enabled_default",
        return_value=True,
        new_callable=PropertyMock,
    ):
        yield


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

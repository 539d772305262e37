"""Backends: numpy without onnxruntime; onnxruntime installed on demand, never awaited."""

from collections.abc import Generator
import logging
import sys
import threading

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from homeassistant.util import package as pkg_util
import pytest
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.energy_hub.const import DOMAIN
from custom_components.energy_hub.ocr import digits
from custom_components.energy_hub.ocr.const import ONNXRUNTIME_REQUIREMENT
from custom_components.energy_hub.ocr.install import INSTALL_ISSUE
from custom_components.energy_hub.ocr.wheels import (
    current_platform,
    onnxruntime_wheel_available,
)
from tests.ct_clamp.conftest import board_entry

from .conftest import MeterCamera, MeterScene, ocr_entry, url_entry
from .test_meter import READING


@pytest.fixture
def without_onnxruntime(monkeypatch: pytest.MonkeyPatch) -> Generator[None]:
    """`import onnxruntime` fails, as on Home Assistant OS; the network reloads."""
    monkeypatch.setitem(sys.modules, "onnxruntime", None)
    digits._cached_network.cache_clear()
    yield
    digits._cached_network.cache_clear()


class BlockingPip:
    """Home Assistant's pip boundary: installs wait until released, then answer."""

    def __init__(self, succeed: bool) -> None:
        """Fail or succeed once released."""
        self.succeed = succeed
        self.calls: list[str] = []
        self.started = threading.Event()
        self.release = threading.Event()

    def install_package(self, package: str, **kwargs: object) -> bool:
        """Stand-in for `homeassistant.util.package.install_package`."""
        self.calls.append(package)
        self.started.set()
        assert self.release.wait(10)
        return self.succeed


@pytest.fixture
def pip(
    hass: HomeAssistant, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> Generator[BlockingPip]:
    """Home Assistant may install packages (no --skip-pip); pip itself is replaced."""
    blocking = BlockingPip(succeed=getattr(request, "param", False))
    hass.config.skip_pip = False
    monkeypatch.setattr(pkg_util, "install_package", blocking.install_package)
    # Every other requirement counts as there (the test environment may lack
    # one that Home Assistant would install on first start); onnxruntime is not.
    monkeypatch.setattr(
        pkg_util,
        "is_installed",
        lambda requirement: not requirement.startswith("onnxruntime"),
    )
    yield blocking
    blocking.release.set()


async def test_numpy_backend_without_onnxruntime(
    hass: HomeAssistant,
    without_onnxruntime: None,
    meter_camera: MeterCamera,
    scene: MeterScene,
    hass_client: ClientSessionGenerator,
) -> None:
    """Everything works with numpy alone; the backend is shown and diagnosed."""
    with pytest.raises(ImportError):
        import onnxruntime  # noqa: F401, PLC0415

    entry = ocr_entry(scene)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    state = hass.states.get(READING)
    assert state is not None
    assert float(state.state) == 12345.6
    assert state.attributes["backend"] == "numpy"

    scene.reading = 12345.8
    await hass.services.async_call(
        "button",
        "press",
        {"entity_id": "button.electricity_meter_read_now"},
        blocking=True,
    )
    await hass.async_block_till_done()
    state = hass.states.get(READING)
    assert state is not None and float(state.state) == 12345.8

    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, entry)
    assert diagnostics["source"]["backend"] == "numpy"
    assert diagnostics["source"]["data"]["value"] == 12345.8


async def test_diagnostics_redact_the_url(
    hass: HomeAssistant,
    scene: MeterScene,
    photo_server: str,
    hass_client: ClientSessionGenerator,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """An image URL may hold a camera's password: not in diagnostics, nor logs."""
    caplog.set_level(logging.DEBUG)
    entry = url_entry(
        scene, photo_server.replace("http://", "http://admin:s3cret@") + "?token=t0k"
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    # The camera goes away: the failure is in the diagnostics, the URL is not.
    scene.offline = True
    await hass.services.async_call(
        "button",
        "press",
        {"entity_id": "button.gas_meter_read_now"},
        blocking=True,
    )
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, entry)
    assert diagnostics["entry"]["data"]["image_url"] == "**REDACTED**"
    assert diagnostics["source"]["backend"] in {"numpy", "onnxruntime"}
    assert diagnostics["source"]["data"]["rejection"] == "camera_unavailable"
    assert "HTTP 503" in diagnostics["source"]["data"]["rejection_detail"]
    our_log = "\n".join(
        record.getMessage()
        for record in caplog.records
        if record.name.startswith("custom_components.energy_hub")
    )
    assert "camera_unavailable" in our_log
    for secret in ("s3cret", "t0k", photo_server):
        assert secret not in str(diagnostics)
        assert secret not in our_log


needs_wheel = pytest.mark.skipif(
    not onnxruntime_wheel_available(current_platform()),
    reason="PyPI has no onnxruntime wheel for this machine",
)


@needs_wheel
@pytest.mark.usefixtures("without_onnxruntime", "meter_camera")
async def test_setup_does_not_wait_for_the_install(
    hass: HomeAssistant,
    pip: BlockingPip,
    scene: MeterScene,
    issue_registry: ir.IssueRegistry,
) -> None:
    """The entry loads while pip still runs; a failed install is a repair issue."""
    entry = ocr_entry(scene)
    entry.add_to_hass(hass)
    # Set-up returns, the meter read, while pip is still busy.
    assert await hass.config_entries.async_setup(entry.entry_id)
    assert entry.state is ConfigEntryState.LOADED
    assert not pip.release.is_set()
    assert await hass.async_add_executor_job(pip.started.wait, 10)
    assert pip.calls == [ONNXRUNTIME_REQUIREMENT]
    state = hass.states.get(READING)
    assert state is not None and state.attributes["backend"] == "numpy"
    assert issue_registry.async_get_issue(DOMAIN, INSTALL_ISSUE) is None

    pip.release.set()
    await hass.async_block_till_done(wait_background_tasks=True)
    issue = issue_registry.async_get_issue(DOMAIN, INSTALL_ISSUE)
    assert issue is not None
    assert issue.translation_placeholders == {"requirement": ONNXRUNTIME_REQUIREMENT}

    # One attempt per run, whatever the number of OCR entries.
    second = ocr_entry(scene)
    second.add_to_hass(hass)
    calls = len(pip.calls)
    assert await hass.config_entries.async_setup(second.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert len(pip.calls) == calls


@needs_wheel
@pytest.mark.parametrize("pip", [True], indirect=True)
@pytest.mark.usefixtures("without_onnxruntime", "meter_camera")
async def test_successful_install_raises_no_issue(
    hass: HomeAssistant,
    pip: BlockingPip,
    scene: MeterScene,
    issue_registry: ir.IssueRegistry,
) -> None:
    """A successful install leaves no repair issue."""
    pip.release.set()
    entry = ocr_entry(scene)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert pip.calls == [ONNXRUNTIME_REQUIREMENT]
    assert issue_registry.async_get_issue(DOMAIN, INSTALL_ISSUE) is None


async def test_other_sources_never_install(
    hass: HomeAssistant, without_onnxruntime: None, pip: BlockingPip
) -> None:
    """A CT clamp entry (like every other source) does not ask for onnxruntime."""
    pip.release.set()
    entry = board_entry()
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert entry.state is ConfigEntryState.LOADED
    assert pip.calls == []


async def test_skip_pip_installs_nothing(
    hass: HomeAssistant,
    without_onnxruntime: None,
    pip: BlockingPip,
    meter_camera: MeterCamera,
    scene: MeterScene,
) -> None:
    """Home Assistant started with --skip-pip: no install is attempted."""
    hass.config.skip_pip = True
    pip.release.set()
    entry = ocr_entry(scene)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert pip.calls == []

"""Coordinator of an OCR meter: a burst of photos, the pipeline, the checks."""

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, override

from homeassistant.const import STATE_UNAVAILABLE, STATE_UNKNOWN, UnitOfEnergy
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util

from ..const import DOMAIN, LOGGER
from ..coordinator import EnergyHubCoordinator
from ..source import EnergyHubConfigEntry
from .const import BURST_FRAMES, BURST_PAUSE_S, KEEP_CROP_BELOW, MAX_KEPT_CROPS
from .reader import BurstOutcome, OcrReader
from .result import Reading, Rejection, RejectReason

# Reasons of a burst that gave no reading, besides the pipeline's own.
REASON_CAMERA_UNAVAILABLE = "camera_unavailable"
REASON_CROSS_CHECK = "cross_check_mismatch"

type Capture = Callable[[], Awaitable[bytes]]


@dataclass(frozen=True, slots=True)
class OcrData:
    """What the entities of one OCR meter show.

    `value` is the last good reading (kept while the camera is away) and
    `read_at` its time; `new_value` is set only in the update that made it, so
    the core's guard sees each reading once and measures its rate from the
    time it was taken. `seeded` counts `set_meter_value` calls: the meter
    sensor takes a new seed as is, even below its total.
    """

    backend: str
    value: float | None = None
    read_at: datetime | None = None
    new_value: float | None = None
    seeded: int = 0
    confidence: float | None = None
    raw: str | None = None
    digits: tuple[int | None, ...] = ()
    confidences: tuple[float, ...] = ()
    rejection: str | None = None
    rejection_detail: str | None = None
    failures: int = 0
    crop: bytes | None = None
    crop_at: datetime | None = None

    def as_dict(self) -> dict[str, Any]:
        """For diagnostics: everything but the picture."""
        return {
            "backend": self.backend,
            "value": self.value,
            "read_at": None if self.read_at is None else self.read_at.isoformat(),
            "confidence": self.confidence,
            "raw": self.raw,
            "digits": list(self.digits),
            "confidences": list(self.confidences),
            "rejection": self.rejection,
            "rejection_detail": self.rejection_detail,
            "consecutive_failures": self.failures,
            "crop_bytes": None if self.crop is None else len(self.crop),
        }


@dataclass(slots=True)
class CrossCheck:
    """Another Energy Hub sensor counting the same energy, and a tolerance.

    `baseline` pairs the meter's value with the other sensor's at the last
    stored reading; the next reading's increase is compared with the other
    sensor's increase since then.
    """

    entity_id: str
    margin: float
    baseline: tuple[float, float] | None = None

    def other_value(self, hass: HomeAssistant) -> float | None:
        """The other sensor's total now, in its own unit (Wh read as kWh)."""
        state = hass.states.get(self.entity_id)
        if state is None or state.state in (STATE_UNAVAILABLE, STATE_UNKNOWN):
            return None
        try:
            value = float(state.state)
        except ValueError:
            return None
        if state.attributes.get("unit_of_measurement") == UnitOfEnergy.WATT_HOUR:
            value /= 1000
        return value


@dataclass(slots=True)
class CropKeeper:
    """Keeps the crops of low-confidence digits in a bounded folder."""

    folder: Path
    limit: int = MAX_KEPT_CROPS

    def keep(self, outcome: BurstOutcome, at: datetime) -> None:
        """Save the uncertain cells; delete the oldest beyond the limit.

        Uncertain: not read as a number (a drum between two) or voted with
        less than `KEEP_CROP_BELOW` confidence.
        """
        cells = [
            (index, cell)
            for index, (cell, value, confidence) in enumerate(
                zip(outcome.cells, outcome.values, outcome.confidences, strict=False)
            )
            if value is None or confidence < KEEP_CROP_BELOW
        ]
        if not cells:
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        stamp = at.strftime("%Y%m%dT%H%M%S")
        for index, cell in cells:
            path = self.folder / f"{stamp}_d{index}.png"
            path.write_bytes(cell)
        existing = sorted(self.folder.glob("*.png"))
        for old in existing[: max(0, len(existing) - self.limit)]:
            old.unlink(missing_ok=True)


class OcrCoordinator(EnergyHubCoordinator[OcrData]):
    """Read one meter every interval; keep its last good reading."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: EnergyHubConfigEntry,
        *,
        reader: OcrReader,
        capture: Capture,
        store: Store[dict[str, Any]],
        interval: timedelta,
        cross_check: CrossCheck | None,
        crop_keeper: CropKeeper | None,
    ) -> None:
        """Start with no reading; `_async_setup_device` restores the stored one."""
        super().__init__(hass, entry, name=entry.title, update_interval=interval)
        self.reader = reader
        self.capture = capture
        self.store = store
        self.cross_check = cross_check
        self.crop_keeper = crop_keeper
        self.data = OcrData(backend=reader.backend)
        self._read_lock = asyncio.Lock()

    @property
    def _cross_check_issue(self) -> str:
        return f"ocr_cross_check_{self.config_entry.entry_id}"

    @override
    async def _async_setup_device(self) -> None:
        stored = await self.store.async_load() or {}
        value = stored.get("value")
        read_at = dt_util.parse_datetime(stored.get("read_at") or "")
        if isinstance(value, (int, float)):
            self.data = replace(self.data, value=float(value), read_at=read_at)
        if isinstance(composer := stored.get("composer"), dict):
            self.reader.restore(composer)
        baseline = stored.get("cross_check_baseline")
        if (
            self.cross_check is not None
            and isinstance(baseline, list)
            and len(baseline) == 2
        ):
            self.cross_check.baseline = (float(baseline[0]), float(baseline[1]))

    @override
    async def _async_fetch(self) -> OcrData:
        async with self._read_lock:
            return await self._async_read()

    async def _async_read(self) -> OcrData:
        data = replace(self.data, new_value=None, backend=self.reader.backend)
        try:
            frames = await self._async_capture_burst()
        except (HomeAssistantError, OSError, TimeoutError) as err:
            LOGGER.debug("%s: no photo: %s", self.name, err)
            return self._failed(data, REASON_CAMERA_UNAVAILABLE, str(err))
        now = dt_util.utcnow()
        before = self.reader.snapshot()
        outcome = await self.hass.async_add_executor_job(
            self.reader.read, frames, now.timestamp()
        )
        if outcome.crop is not None:
            data = replace(data, crop=outcome.crop, crop_at=now)
        result = outcome.result
        # Uncertain digits of a reading, and every digit of an unreadable one.
        if self.crop_keeper is not None and (
            isinstance(result, Reading) or result.reason is RejectReason.UNREADABLE
        ):
            await self.hass.async_add_executor_job(self.crop_keeper.keep, outcome, now)
        if isinstance(result, Rejection):
            return self._failed(data, str(result.reason), result.detail)
        data = replace(
            data,
            raw=result.raw,
            digits=result.digits,
            confidences=result.confidences,
            confidence=min(result.confidences, default=None),
        )
        if (mismatch := self._cross_check_mismatch(data.value, result)) is not None:
            # Not stored: the next reading is composed from the last stored one.
            self.reader.undo(before)
            return self._failed(data, REASON_CROSS_CHECK, mismatch)
        return await self._async_store(
            replace(
                data,
                value=result.value,
                new_value=result.value,
                read_at=now,
                rejection=None,
                rejection_detail=None,
                failures=0,
            )
        )

    def _failed(self, data: OcrData, reason: str, detail: str) -> OcrData:
        if data.failures == 0:
            LOGGER.info("%s: no reading (%s): %s", self.name, reason, detail)
        return replace(
            data,
            rejection=reason,
            rejection_detail=detail or None,
            failures=data.failures + 1,
        )

    async def _async_capture_burst(self) -> list[bytes]:
        frames = []
        for index in range(BURST_FRAMES):
            if index:
                await asyncio.sleep(BURST_PAUSE_S)
            frames.append(await self.capture())
        return frames

    def _cross_check_mismatch(self, last: float | None, reading: Reading) -> str | None:
        """Why the reading disagrees with the other source (None: it agrees)."""
        check = self.cross_check
        if check is None or last is None or check.baseline is None:
            return None
        other = check.other_value(self.hass)
        if other is None:
            return None
        ours = reading.value - check.baseline[0]
        theirs = other - check.baseline[1]
        if abs(ours - theirs) <= check.margin:
            ir.async_delete_issue(self.hass, DOMAIN, self._cross_check_issue)
            return None
        ir.async_create_issue(
            self.hass,
            DOMAIN,
            self._cross_check_issue,
            is_fixable=False,
            severity=ir.IssueSeverity.WARNING,
            translation_key="ocr_cross_check",
            translation_placeholders={
                "name": self.name,
                "reading": f"{reading.value:g}",
                "increase": f"{ours:g}",
                "other_entity": check.entity_id,
                "other_increase": f"{theirs:g}",
                "margin": f"{check.margin:g}",
            },
        )
        return f"increase {ours:g} against {theirs:g} from {check.entity_id}"

    async def _async_store(self, data: OcrData) -> OcrData:
        """Keep a reading (or a seed): baseline of the cross-check, then the Store."""
        check = self.cross_check
        if (
            check is not None
            and data.value is not None
            and (other := check.other_value(self.hass)) is not None
        ):
            check.baseline = (data.value, other)
        await self.store.async_save(
            {
                "value": data.value,
                "read_at": None if data.read_at is None else data.read_at.isoformat(),
                "composer": self.reader.state(),
                "cross_check_baseline": None
                if self.cross_check is None or self.cross_check.baseline is None
                else list(self.cross_check.baseline),
            }
        )
        return data

    async def async_read_now(self) -> OcrData:
        """Read the meter at once (button, action); returns what was read."""
        await self.async_refresh()
        return self.data

    async def async_set_value(self, value: float) -> None:
        """Take the meter's value from the user: the total continues from it."""
        async with self._read_lock:
            now = dt_util.utcnow()
            self.reader.seed(value, now.timestamp())
            ir.async_delete_issue(self.hass, DOMAIN, self._cross_check_issue)
            data = await self._async_store(
                replace(
                    self.data,
                    value=value,
                    new_value=None,
                    read_at=now,
                    seeded=self.data.seeded + 1,
                    rejection=None,
                    rejection_detail=None,
                    failures=0,
                )
            )
        self.async_set_updated_data(data)

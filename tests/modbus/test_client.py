"""The engine's client against the simulator: batching, partial failures, faults."""

import asyncio

import pytest

from custom_components.energy_hub.errors import (
    DeviceConnectionError,
    DeviceRejectedError,
    WriteVerifyError,
)
from custom_components.energy_hub.modbus.client import (
    ClientSettings,
    ModbusDeviceClient,
)
from custom_components.energy_hub.modbus.registers import DataType, Register, Table
from custom_components.energy_hub.sungrow import registers as sg
from simulators.modbus import (
    FAULT_BUSY,
    FAULT_DEVICE_FAILURE,
    FAULT_DROP_CONNECTION,
    FAULT_GARBAGE,
    FAULT_IGNORE_WRITES,
    FAULT_ILLEGAL_ADDRESS,
    FAULT_SINGLE_SESSION,
    H_EMS_MODE,
    SungrowSimulator,
)

FAST = ClientSettings(
    request_delay=0.0, timeout=0.5, retry_delay=0.01, backoff_initial=0.05
)


@pytest.fixture
async def client(sungrow: SungrowSimulator) -> ModbusDeviceClient:
    device = ModbusDeviceClient(sungrow.host, sungrow.port, 1, FAST)
    yield device
    await device.close()


async def test_full_telemetry_poll_is_batched(
    client: ModbusDeviceClient, sungrow: SungrowSimulator
) -> None:
    before = sungrow.requests
    result = await client.read(sg.TELEMETRY)
    assert result.requests == 5 == sungrow.requests - before
    assert not result.failed and not result.disabled
    assert result.values["battery_soc"] == pytest.approx(sungrow.model.soc, abs=0.1)
    assert result.values["pv_power"] == pytest.approx(sungrow.model.pv_w, abs=1)
    # Power balance: load = PV + battery (+ discharge) + grid (+ import).
    v = result.values
    assert v["load_power"] == pytest.approx(
        v["pv_power"] + v["battery_power_signed"] + v["meter_power"], abs=3
    )


async def test_refused_register_disables_only_itself(
    client: ModbusDeviceClient, sungrow: SungrowSimulator
) -> None:
    sungrow.faults.extra[FAULT_ILLEGAL_ADDRESS] = {("input", 13024)}
    first = await client.read(sg.TELEMETRY)
    assert first.values["battery_temperature"] is None
    assert first.disabled == {"battery_temperature"}
    assert first.values["battery_soc"] is not None
    assert first.values["grid_import_total"] is not None
    # The split costs single reads once; afterwards the plan steps around it.
    second = await client.read(sg.TELEMETRY)
    assert second.disabled == {"battery_temperature"}
    assert second.requests <= 6 < first.requests


async def test_refused_address_in_a_merged_hole_splits_the_block_once(
    client: ModbusDeviceClient, sungrow: SungrowSimulator
) -> None:
    # 5008 is not in the map but lies in the hole between 5007 and 5010.
    sungrow.faults.extra[FAULT_ILLEGAL_ADDRESS] = {("input", 5008)}
    first = await client.read(sg.TELEMETRY)
    assert not first.disabled and not first.failed
    assert all(first.values[r.key] is not None for r in sg.TELEMETRY)
    second = await client.read(sg.TELEMETRY)
    assert not second.disabled
    assert second.requests == 6  # the 5000-5035 block now split around the hole
    assert second.values["inverter_temperature"] is not None


async def test_busy_device_is_retried_once(
    client: ModbusDeviceClient, sungrow: SungrowSimulator
) -> None:
    sungrow.faults.extra[FAULT_BUSY] = 1
    result = await client.read([sg.DEVICE_TYPE])
    assert result.values["device_type"] == sungrow.device_type
    sungrow.faults.extra[FAULT_DEVICE_FAILURE] = 2
    result = await client.read([sg.DEVICE_TYPE, sg.SERIAL])
    assert result.failed == {"device_type", "serial"}
    assert not result.disabled  # transient: read again next time
    assert (await client.read([sg.DEVICE_TYPE])).values[
        "device_type"
    ] == sungrow.device_type


async def test_dropped_connection_reconnects_within_the_poll(
    client: ModbusDeviceClient, sungrow: SungrowSimulator
) -> None:
    await client.read([sg.DEVICE_TYPE])
    sungrow.faults.extra[FAULT_DROP_CONNECTION] = True
    result = await client.read([sg.DEVICE_TYPE])
    assert result.values["device_type"] == sungrow.device_type


async def test_second_session_is_refused_like_winet(
    client: ModbusDeviceClient, sungrow: SungrowSimulator
) -> None:
    await client.read([sg.DEVICE_TYPE])
    other = ModbusDeviceClient(sungrow.host, sungrow.port, 1, FAST)
    with pytest.raises(DeviceConnectionError):
        await other.read([sg.DEVICE_TYPE])
    await other.close()
    assert sungrow.refused_connections >= 1
    sungrow.faults.extra[FAULT_SINGLE_SESSION] = False
    other = ModbusDeviceClient(sungrow.host, sungrow.port, 1, FAST)
    assert (await other.read([sg.DEVICE_TYPE])).values[
        "device_type"
    ] == sungrow.device_type
    await other.close()


async def test_outage_backs_off_then_recovers(
    client: ModbusDeviceClient, sungrow: SungrowSimulator
) -> None:
    await client.read([sg.DEVICE_TYPE])
    await sungrow.set_offline(True)
    for _ in range(3):
        with pytest.raises(DeviceConnectionError):
            await client.read([sg.DEVICE_TYPE])
    await sungrow.set_offline(False)
    with pytest.raises(DeviceConnectionError, match="next attempt"):
        await client.read([sg.DEVICE_TYPE])  # still backing off
    await asyncio.sleep(0.25)
    assert (await client.read([sg.DEVICE_TYPE])).values[
        "device_type"
    ] == sungrow.device_type


async def test_slow_device_times_out(
    client: ModbusDeviceClient, sungrow: SungrowSimulator
) -> None:
    sungrow.faults.delay_s = 1.0
    with pytest.raises(DeviceConnectionError):
        await client.read([sg.DEVICE_TYPE])
    sungrow.faults.delay_s = 0.0
    await asyncio.sleep(1.0)  # let the late answer pass
    assert (await client.read([sg.DEVICE_TYPE])).values[
        "device_type"
    ] == sungrow.device_type


async def test_garbage_values_decode_without_breaking_the_poll(
    client: ModbusDeviceClient, sungrow: SungrowSimulator
) -> None:
    sungrow.faults.extra[FAULT_GARBAGE] = True
    result = await client.read(sg.TELEMETRY)
    assert set(result.values) == {r.key for r in sg.TELEMETRY}
    assert not result.failed


async def test_write_is_read_back(
    client: ModbusDeviceClient, sungrow: SungrowSimulator
) -> None:
    await client.write(sg.EMS_MODE, 2)
    assert sungrow.holding[H_EMS_MODE] == 2
    with pytest.raises(DeviceRejectedError, match="0x04"):
        await client.write(sg.EMS_MODE, 7)  # out of range: the inverter answers 04
    sungrow.faults.extra[FAULT_IGNORE_WRITES] = True
    with pytest.raises(WriteVerifyError, match="read back 2"):
        await client.write(sg.EMS_MODE, 0)
    with pytest.raises(ValueError, match="not a holding register"):
        await client.write(sg.DEVICE_TYPE, 1)


async def test_meter_presets_decode_high_word_first(meters) -> None:
    abb = ModbusDeviceClient(meters.host, meters.port, 1, FAST)
    iem = ModbusDeviceClient(meters.host, meters.port, 2, FAST)
    abb_values = (
        await abb.read(
            [
                Register("import", Table.HOLDING, 0x5000, DataType.U64, 0.01),
                Register("voltage", Table.HOLDING, 0x5B00, DataType.U32, 0.1),
            ]
        )
    ).values
    iem_values = (
        await iem.read([Register("voltage", Table.HOLDING, 3027, DataType.FLOAT32)])
    ).values
    assert abb_values["voltage"] == pytest.approx(230.4)
    assert abb_values["import"] == pytest.approx(meters.abb.import_wh / 1000, abs=0.02)
    assert iem_values["voltage"] == pytest.approx(230.4, abs=0.001)
    await abb.close()
    await iem.close()

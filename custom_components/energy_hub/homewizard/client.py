"""HomeWizard device client on python-homewizard-energy; Home-Assistant-free.

Wraps the library's v1 (HTTP) and v2 (HTTPS + token) clients behind one
interface for every HomeWizard product (P1 meter, kWh meters, socket, water
meter) and maps their exceptions onto Energy Hub's `errors`. A v2 client
that knows which device it talks to (product and serial) checks that the
device's certificate names that device (`appliance/<kind>/<serial>`, signed
by HomeWizard's CA): another device at the address is refused.

Measurements are fetched through the library's own request (same session,
TLS, token and error handling) and parsed by `model.parse_reading`, which
reads what the library's model cannot.
"""

import asyncio
from collections.abc import Awaitable
from enum import StrEnum
from http import HTTPStatus
import ssl
from typing import cast

from aiohttp import (
    ClientConnectorCertificateError,
    ClientError,
    ClientSession,
    ClientTimeout,
)
from homewizard_energy import (
    HomeWizardEnergyV1,
    HomeWizardEnergyV2,
    v2 as homewizard_v2,
)
from homewizard_energy.errors import (
    DisabledError,
    HomeWizardEnergyException,
    RequestError,
    UnauthorizedError,
    UnsupportedError,
)
from homewizard_energy.models import (
    Batteries,
    Device,
    State,
    System,
    get_verification_hostname,
)
from mashumaro.exceptions import MissingField

from ..errors import DeviceAuthError, DeviceConnectionError
from .model import Reading, parse_reading

REQUEST_TIMEOUT_S = 5


class ApiVersion(StrEnum):
    """The HomeWizard local API generation a device speaks."""

    V1 = "v1"
    V2 = "v2"


class LocalApiDisabledError(DeviceAuthError):
    """API v1: the owner has not enabled "Local API" in the HomeWizard app."""


class NotAuthorizedError(DeviceAuthError):
    """API v2: no token, or the device no longer accepts ours."""


class WrongMeterError(DeviceConnectionError):
    """API v2: the device's certificate does not name the device we expect."""


def certificate_name(product_type: str, serial: str) -> str:
    """The name a device's certificate carries, e.g. `appliance/p1dongle/<serial>`."""
    return get_verification_hostname(product_type, serial)


def parse_host(host: str) -> str:
    """Normalise what a user typed: `ip`, `ip:port`, with or without a scheme."""
    host = host.strip()
    for scheme in ("http://", "https://"):
        if host.lower().startswith(scheme):
            host = host[len(scheme) :]
    return host.rstrip("/")


def _v2_ssl_context() -> ssl.SSLContext:
    # The same trust as the library's own v2 client: HomeWizard's CA, verified,
    # hostname not checked (devices are reached by IP address).
    context = ssl.create_default_context(cadata=homewizard_v2.CACERT)  # type: ignore[attr-defined]
    context.verify_flags = ssl.VERIFY_X509_PARTIAL_CHAIN
    context.check_hostname = False
    return context


async def detect_api(host: str, session: ClientSession) -> ApiVersion:
    """Return V2 when the device answers HTTPS with "401 token required", else V1."""
    context = await asyncio.get_running_loop().run_in_executor(None, _v2_ssl_context)
    try:
        async with session.get(
            f"https://{host}/api",
            ssl=context,
            timeout=ClientTimeout(total=REQUEST_TIMEOUT_S),
        ) as response:
            if response.status == 401:
                return ApiVersion.V2
    except ClientError, TimeoutError, ssl.SSLError:
        pass
    return ApiVersion.V1


async def _call[T](awaitable: Awaitable[T]) -> T:
    """Await a library call; raise Energy Hub's errors instead of the library's."""
    try:
        return await awaitable
    except DisabledError as err:
        raise LocalApiDisabledError(
            'the local API is disabled; enable "Local API" in the HomeWizard Energy app'
        ) from err
    except UnauthorizedError as err:
        raise NotAuthorizedError("the device rejected the token") from err
    except RequestError as err:
        if isinstance(err.__cause__, ClientConnectorCertificateError):
            raise WrongMeterError(
                "the device at this address did not present this device's"
                " HomeWizard certificate (another device at its address?)"
            ) from err
        raise DeviceConnectionError(str(err)) from err
    except (HomeWizardEnergyException, ValueError, LookupError, MissingField) as err:
        # Malformed JSON or a body the models cannot read.
        raise DeviceConnectionError(f"unexpected answer: {err!r}") from err


class _V1(HomeWizardEnergyV1):
    """The library's v1 client, handing out the measurement's raw body."""

    async def measurement_body(self) -> str:
        _, body = await self._request("api/v1/data")
        return cast(str, body)


class _V2(HomeWizardEnergyV2):
    """The library's v2 client, handing out the measurement's raw body."""

    async def measurement_body(self) -> str:
        status, body = await self._request("/api/measurement")
        if status != HTTPStatus.OK:
            raise RequestError(f"API request error ({status})")
        return cast(str, body)


class HomeWizardClient:
    """Read and control a HomeWizard device over API v1 or v2.

    `product_type` and `serial`: the device this client must talk to. Over v2
    the connection is refused unless the certificate names it
    (`WrongMeterError`); without them (adding a device by address, before it
    is known) any certificate of HomeWizard's CA is accepted. v1 is plain
    HTTP.
    """

    def __init__(
        self,
        host: str,
        session: ClientSession,
        api: ApiVersion,
        token: str | None = None,
        timeout: int | float = REQUEST_TIMEOUT_S,
        *,
        product_type: str | None = None,
        serial: str | None = None,
    ) -> None:
        self.host = host
        self.api = api
        self._lib: _V1 | _V2
        if api is ApiVersion.V2:
            identifier = (
                None
                if product_type is None or serial is None
                else certificate_name(product_type, serial)
            )
            self._lib = _V2(
                host,
                identifier=identifier,
                token=token,
                clientsession=session,
                timeout=timeout,  # type: ignore[arg-type]
            )
        else:
            self._lib = _V1(
                host,
                clientsession=session,
                timeout=timeout,  # type: ignore[arg-type]
            )

    async def device(self) -> Device:
        """Product type, serial and firmware."""
        return await _call(self._lib.device())

    async def measurement(self) -> Reading:
        """The device's current measurement, parsed (external meters included)."""
        body = await _call(self._lib.measurement_body())
        try:
            return parse_reading(body)
        except (HomeWizardEnergyException, ValueError, LookupError, TypeError) as err:
            raise DeviceConnectionError(f"unexpected answer: {err!r}") from err

    async def system(self) -> System | None:
        """Cloud setting, and on v2 Wi-Fi, uptime and status light; None: not offered."""
        return await _optional(self._lib.system())

    async def set_system(
        self,
        *,
        cloud_enabled: bool | None = None,
        status_led_brightness_pct: int | None = None,
    ) -> System:
        """Change the cloud connection or (v2) the status light's brightness."""
        return await _call(
            self._lib.system(
                cloud_enabled=cloud_enabled,
                status_led_brightness_pct=status_led_brightness_pct,
            )
        )

    async def state(self) -> State | None:
        """A socket's relay, switch lock and ring brightness; None: not a socket."""
        return await _optional(self._lib.state())

    async def set_state(
        self,
        *,
        power_on: bool | None = None,
        switch_lock: bool | None = None,
        brightness: int | None = None,
    ) -> State:
        """Switch a socket, lock its switch or dim its ring (0-255)."""
        return await _call(
            self._lib.state(
                power_on=power_on, switch_lock=switch_lock, brightness=brightness
            )
        )

    async def batteries(self) -> Batteries | None:
        """v2: the Plug-In Battery group the meter steers; None: none, or v1."""
        try:
            return await _optional(self._lib.batteries())
        except DeviceConnectionError as err:
            cause = err.__cause__
            if isinstance(cause, RequestError) and cause.__cause__ is None:
                return None  # it answered, but with no battery group
            raise

    async def set_battery_mode(self, mode: Batteries.Mode) -> Batteries:
        """v2: the battery group's mode (zero, to_full, standby, …)."""
        return await _call(self._lib.batteries(mode=mode))

    async def request_token(self, name: str) -> str | None:
        """Ask a v2 device for a token; None until its button has been pressed."""
        if not isinstance(self._lib, HomeWizardEnergyV2):
            raise TypeError("tokens exist only in API v2")
        try:
            return await _call(self._lib.get_token(name))
        except LocalApiDisabledError:
            return None  # 403 user:creation-not-enabled: button not pressed yet


async def _optional[T](awaitable: Awaitable[T]) -> T | None:
    """A read some devices or firmware do not offer: None instead of an error."""
    try:
        return await _call(awaitable)
    except DeviceConnectionError as err:
        if isinstance(err.__cause__, UnsupportedError):
            return None
        raise

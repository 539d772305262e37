"""HomeWizard P1 meter client on python-homewizard-energy; Home-Assistant-free.

Wraps the library's v1 (HTTP) and v2 (HTTPS + token) clients behind one
interface and maps their exceptions onto Energy Hub's `errors`.
"""

import asyncio
from collections.abc import Awaitable
from enum import StrEnum
import ssl

from aiohttp import ClientError, ClientSession, ClientTimeout
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
from homewizard_energy.models import Device, Measurement, System
from mashumaro.exceptions import MissingField

from ..errors import DeviceAuthError, DeviceConnectionError

P1_PRODUCT_TYPE = "HWE-P1"
REQUEST_TIMEOUT_S = 5


class ApiVersion(StrEnum):
    """The HomeWizard local API generation a device speaks."""

    V1 = "v1"
    V2 = "v2"


class LocalApiDisabledError(DeviceAuthError):
    """API v1: the owner has not enabled "Local API" in the HomeWizard app."""


class NotAuthorizedError(DeviceAuthError):
    """API v2: no token, or the device no longer accepts ours."""


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
        raise NotAuthorizedError("the meter rejected the token") from err
    except RequestError as err:
        raise DeviceConnectionError(str(err)) from err
    except (HomeWizardEnergyException, ValueError, LookupError, MissingField) as err:
        # Malformed JSON or a body the models cannot read.
        raise DeviceConnectionError(f"unexpected answer: {err!r}") from err


class P1Client:
    """Read a P1 meter over API v1 or v2."""

    def __init__(
        self,
        host: str,
        session: ClientSession,
        api: ApiVersion,
        token: str | None = None,
        timeout: int | float = REQUEST_TIMEOUT_S,
    ) -> None:
        self.host = host
        self.api = api
        self._lib: HomeWizardEnergyV1 | HomeWizardEnergyV2
        if api is ApiVersion.V2:
            self._lib = HomeWizardEnergyV2(
                host,
                token=token,
                clientsession=session,
                timeout=timeout,  # type: ignore[arg-type]
            )
        else:
            self._lib = HomeWizardEnergyV1(
                host,
                clientsession=session,
                timeout=timeout,  # type: ignore[arg-type]
            )

    async def device(self) -> Device:
        """Product type, serial and firmware."""
        return await _call(self._lib.device())

    async def measurement(self) -> Measurement:
        """The meter's current telegram, parsed."""
        return await _call(self._lib.measurement())

    async def system(self) -> System | None:
        """Wi-Fi and device settings (API v2; v1 reports Wi-Fi in the measurement)."""
        if self.api is not ApiVersion.V2:
            return None
        try:
            return await _call(self._lib.system())
        except DeviceConnectionError as err:
            if isinstance(err.__cause__, UnsupportedError):
                return None
            raise

    async def request_token(self, name: str) -> str | None:
        """Ask a v2 device for a token; None until its button has been pressed."""
        if not isinstance(self._lib, HomeWizardEnergyV2):
            raise TypeError("tokens exist only in API v2")
        try:
            return await _call(self._lib.get_token(name))
        except LocalApiDisabledError:
            return None  # 403 user:creation-not-enabled: button not pressed yet

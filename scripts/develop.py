"""The demo: Home Assistant with Energy Hub on simulated devices.

Starts every registered device simulator on 127.0.0.1, starts Home Assistant
(`hass -c CONFIG`), onboards a local demo user, adds one Energy Hub entry per
simulated device through Home Assistant's own config-flow REST API (as the
frontend does), fills the Energy dashboard, and waits for Ctrl-C, which stops
everything it started. `--check` verifies the result and stops by itself.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Mapping
import contextlib
import json
import os
from pathlib import Path
import shutil
import signal
import sys
import time
from typing import IO, Any

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from simulators.base import DemoEntry, Simulator  # noqa: E402
from simulators.demo import energy_preferences  # noqa: E402
from simulators.registry import SIMULATORS  # noqa: E402

DOMAIN = "energy_hub"
DEMO_USER = {"name": "Demo", "username": "demo", "password": "energy-hub-demo"}


def log(message: str) -> None:
    """Print a status line of the demo."""
    print(f"develop: {message}", flush=True)


def prepare_config(config: Path) -> None:
    """Give the config dir the demo's configuration and the integration."""
    config.mkdir(parents=True, exist_ok=True)
    source = ROOT / "config" / "configuration.yaml"
    target = config / "configuration.yaml"
    if source.resolve() != target.resolve():
        shutil.copyfile(source, target)
    link = config / "custom_components"
    if not link.exists():
        link.symlink_to(ROOT / "custom_components", target_is_directory=True)
    # Location, units and currency come from configuration.yaml, analytics
    # stay off, and the onboarding step that adds weather, radio and TTS
    # (which reach the internet) is left out: only the user step remains,
    # which `HomeAssistantApi.login` completes.
    onboarding = config / ".storage" / "onboarding"
    if not onboarding.exists():
        onboarding.parent.mkdir(exist_ok=True)
        onboarding.write_text(
            json.dumps(
                {
                    "version": 4,
                    "minor_version": 1,
                    "key": "onboarding",
                    "data": {"done": ["core_config", "analytics", "integration"]},
                }
            ),
            encoding="utf-8",
        )


class HomeAssistantApi:
    """The REST and websocket API of the Home Assistant the demo started."""

    def __init__(self, session: aiohttp.ClientSession, base_url: str) -> None:
        self.session = session
        self.base_url = base_url
        self.client_id = f"{base_url}/"
        self.token = ""

    async def wait_until_up(self, process: asyncio.subprocess.Process) -> None:
        """Wait for the HTTP server; fail if Home Assistant exits first."""
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            if process.returncode is not None:
                raise RuntimeError(f"Home Assistant exited with {process.returncode}")
            with contextlib.suppress(aiohttp.ClientError):
                async with self.session.get(f"{self.base_url}/api/onboarding") as resp:
                    if resp.status == 200:
                        return
            await asyncio.sleep(0.5)
        raise TimeoutError("Home Assistant did not start within 300 s")

    async def login(self) -> None:
        """Onboard the demo user on first run, log in on later runs."""
        async with self.session.get(f"{self.base_url}/api/onboarding") as resp:
            steps = {step["step"]: step["done"] for step in await resp.json()}
        if not steps.get("user", True):
            async with self.session.post(
                f"{self.base_url}/api/onboarding/users",
                json={**DEMO_USER, "client_id": self.client_id, "language": "en"},
            ) as resp:
                resp.raise_for_status()
                code = (await resp.json())["auth_code"]
        else:
            code = await self._login_flow()
        async with self.session.post(
            f"{self.base_url}/auth/token",
            data={
                "grant_type": "authorization_code",
                "code": code,
                "client_id": self.client_id,
            },
        ) as resp:
            resp.raise_for_status()
            self.token = (await resp.json())["access_token"]

    async def _login_flow(self) -> str:
        async with self.session.post(
            f"{self.base_url}/auth/login_flow",
            json={
                "client_id": self.client_id,
                "handler": ["homeassistant", None],
                "redirect_uri": self.client_id,
            },
        ) as resp:
            flow_id = (await resp.json())["flow_id"]
        async with self.session.post(
            f"{self.base_url}/auth/login_flow/{flow_id}",
            json={
                "client_id": self.client_id,
                "username": DEMO_USER["username"],
                "password": DEMO_USER["password"],
            },
        ) as resp:
            result = await resp.json()
        if result.get("type") != "create_entry":
            raise RuntimeError(
                "cannot log in as the demo user; remove the demo's config folder "
                "(its .storage) to start afresh"
            )
        return str(result["result"])

    async def wait_until_running(self) -> None:
        """Wait until Home Assistant has set up every integration it starts with."""
        deadline = time.monotonic() + 300
        while (await self.request("GET", "/api/config"))["state"] != "RUNNING":
            if time.monotonic() > deadline:
                raise TimeoutError("Home Assistant did not finish starting in 300 s")
            await asyncio.sleep(0.5)

    async def request(
        self, method: str, path: str, payload: Mapping[str, Any] | None = None
    ) -> Any:
        """Call the REST API with the demo user's token."""
        async with self.session.request(
            method,
            f"{self.base_url}{path}",
            json=payload,
            headers={"Authorization": f"Bearer {self.token}"},
        ) as resp:
            body = await resp.json(content_type=None)
            if resp.status >= 400:
                raise RuntimeError(f"{method} {path}: HTTP {resp.status} {body}")
            return body

    async def add_entry(self, demo: DemoEntry) -> dict[str, Any]:
        """Walk Energy Hub's config flow: menu choice, then each form."""
        flow = await self.request(
            "POST", "/api/config/config_entries/flow", {"handler": DOMAIN}
        )
        path = f"/api/config/config_entries/flow/{flow['flow_id']}"
        result = await self.request("POST", path, {"next_step_id": demo.source})
        for step in demo.steps:
            if result["type"] != "form":
                break
            result = await self.request("POST", path, step)
        if result["type"] == "form" and result.get("errors"):
            raise RuntimeError(f"{demo.source}: flow refused the demo input: {result}")
        return dict(result)

    async def entries(self) -> list[dict[str, Any]]:
        """Energy Hub's config entries with their states."""
        return list(
            await self.request(
                "GET", f"/api/config/config_entries/entry?domain={DOMAIN}"
            )
        )

    async def websocket(self, *messages: dict[str, Any]) -> list[Any]:
        """Send websocket commands in order; return their results."""
        results = []
        async with self.session.ws_connect(f"{self.base_url}/api/websocket") as ws:
            await ws.receive_json()  # auth_required
            await ws.send_json({"type": "auth", "access_token": self.token})
            if (await ws.receive_json())["type"] != "auth_ok":
                raise RuntimeError("websocket authentication failed")
            for number, message in enumerate(messages, start=1):
                await ws.send_json({"id": number, **message})
                while (reply := await ws.receive_json()).get("id") != number:
                    pass
                if not reply.get("success"):
                    raise RuntimeError(f"{message['type']}: {reply.get('error')}")
                results.append(reply["result"])
        return results


async def run(args: argparse.Namespace, config: Path, console: IO[bytes]) -> int:
    """Start everything, set it up, wait, and stop everything."""
    started = time.monotonic()
    simulators: list[Simulator] = []
    process: asyncio.subprocess.Process | None = None
    base_url = f"http://127.0.0.1:{args.port}"
    try:
        for name, simulator_cls in SIMULATORS.items():
            simulator = await simulator_cls().start()
            simulators.append(simulator)
            log(f"simulator {name} on {simulator.address}")
        process = await asyncio.create_subprocess_exec(
            str(Path(sys.executable).with_name("hass")),
            "-c",
            str(config),
            stdout=console,
            stderr=asyncio.subprocess.STDOUT,
            env={
                **{
                    # A CA bundle in the environment overrides pypowerwall's
                    # verify=False for the simulated gateway's own certificate.
                    key: value
                    for key, value in os.environ.items()
                    if key not in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE")
                },
                "SETUP_PORT": str(args.port),
            },
            start_new_session=True,  # Ctrl-C reaches us; we stop it cleanly
        )
        log(f"starting Home Assistant (log: {config / 'home-assistant.log'})")
        async with aiohttp.ClientSession() as session:
            api = HomeAssistantApi(session, base_url)
            await api.wait_until_up(process)
            await api.login()
            await api.wait_until_running()
            entry_roles = await add_demo_entries(api, simulators, base_url)
            entries = await wait_for_entries(api, len(entry_roles))
            await fill_energy_dashboard(api, entry_roles)
            elapsed = time.monotonic() - started
            log(f"ready in {elapsed:.1f} s: {base_url}")
            log(
                f"log in as '{DEMO_USER['username']}' / '{DEMO_USER['password']}'; "
                f"{len(entries)} Energy Hub entries loaded; Ctrl-C stops everything"
            )
            if args.check:
                summary = await check(api, entries, elapsed)
                print(json.dumps(summary), flush=True)
                return 0 if summary["ok"] else 1
            await asyncio.Event().wait()
    finally:
        if process is not None:
            await stop_process(process)
        for simulator in simulators:
            await simulator.stop()
        log("stopped")
    return 0


async def add_demo_entries(
    api: HomeAssistantApi, simulators: list[Simulator], base_url: str
) -> list[tuple[str, dict[str, str]]]:
    """Add each simulator's demo entries; return (entry id, energy roles)."""
    entry_roles: list[tuple[str, dict[str, str]]] = []
    for simulator in simulators:
        for demo in simulator.demo_entries():
            result = await api.add_entry(demo)
            if result["type"] == "abort" and result["reason"] == "already_configured":
                log(f"{demo.source}: already configured")
                continue
            if result["type"] != "create_entry":
                raise RuntimeError(f"{demo.source}: flow ended with {result}")
            log(f"added {demo.source}: {result['title']}")
            entry_roles.append((result["result"]["entry_id"], demo.energy))
            if demo.after_created is not None:
                await demo.after_created(result, base_url)
    return entry_roles


async def wait_for_entries(api: HomeAssistantApi, added: int) -> list[dict[str, Any]]:
    """Wait until every Energy Hub entry has finished setting up."""
    deadline = time.monotonic() + 120
    while True:
        entries = await api.entries()
        if len(entries) >= added and all(
            entry["state"] not in ("not_loaded", "setup_in_progress")
            for entry in entries
        ):
            return entries
        if time.monotonic() > deadline:
            raise TimeoutError(f"entries still setting up: {entries}")
        await asyncio.sleep(0.5)


async def fill_energy_dashboard(
    api: HomeAssistantApi, entry_roles: list[tuple[str, dict[str, str]]]
) -> None:
    """Point the Energy dashboard at the demo's sensors (first run only)."""
    if not entry_roles:
        return
    (registry,) = await api.websocket({"type": "config/entity_registry/list"})
    prefs = energy_preferences(registry, entry_roles)
    if prefs["energy_sources"]:
        await api.websocket({"type": "energy/save_prefs", **prefs})


async def check(
    api: HomeAssistantApi, entries: list[dict[str, Any]], elapsed: float
) -> dict[str, Any]:
    """Summarise what a newcomer would see: loaded entries and live entities."""
    registry, validation = await api.websocket(
        {"type": "config/entity_registry/list"}, {"type": "energy/validate"}
    )
    try:
        (prefs,) = await api.websocket({"type": "energy/get_prefs"})
    except RuntimeError:  # nothing saved: no source fills a dashboard role
        prefs = {"energy_sources": []}
    states = {
        state["entity_id"]: state for state in await api.request("GET", "/api/states")
    }
    ours = [item for item in registry if item["platform"] == DOMAIN]
    live = [
        item["entity_id"]
        for item in ours
        if states.get(item["entity_id"], {}).get("state") not in (None, "unavailable")
    ]
    problems = [
        issue
        for group in validation["energy_sources"]
        for issue in group
        # Fresh sensors have no statistics until the first hourly compile.
        if issue.get("type") != "statistics_not_defined"
    ]
    loaded = [entry["title"] for entry in entries if entry["state"] == "loaded"]
    async with api.session.get(
        f"{api.base_url}/api/brands/integration/{DOMAIN}/icon.png",
        headers={"Authorization": f"Bearer {api.token}"},
    ) as resp:
        brand_icon = resp.status == 200 and (await resp.read()).startswith(b"\x89PNG")
    return {
        "ok": len(loaded) == len(entries)
        and bool(live or not entries)
        and not problems
        and brand_icon,
        "brand_icon": brand_icon,
        "ready_s": round(elapsed, 1),
        "entries": len(entries),
        "loaded": loaded,
        "entities": len(ours),
        "live_entities": len(live),
        "energy_sources": [source["type"] for source in prefs["energy_sources"]],
        "energy_validation_issues": problems,
    }


async def stop_process(process: asyncio.subprocess.Process) -> None:
    """Stop Home Assistant: SIGTERM, then SIGKILL after 30 s."""
    if process.returncode is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        await asyncio.wait_for(process.wait(), 30)
    except TimeoutError:
        process.kill()
        await process.wait()


def main() -> None:
    """Parse the command line and run the demo."""
    parser = argparse.ArgumentParser(prog="scripts/develop", description=__doc__)
    parser.add_argument("--config", default=str(ROOT / "config"), help="HA config dir")
    parser.add_argument("--port", type=int, default=8123, help="HA port (8123)")
    parser.add_argument(
        "--check", action="store_true", help="verify the demo came up, then stop"
    )
    args = parser.parse_args()
    config = Path(args.config).resolve()
    prepare_config(config)
    with (config / "hass-console.log").open("wb") as console:
        try:
            code = asyncio.run(run(args, config, console))
        except KeyboardInterrupt:
            code = 0
    sys.exit(code)


if __name__ == "__main__":
    main()

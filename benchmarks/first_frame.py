"""Start-up probe: the dashboard on the demo data, headless, in a fresh process.

The harness times this process from spawn and reads the markers it prints:

- ``DEMO_READY``: the demo's S3 server is up with its history uploaded
  (moto on 127.0.0.1, as ``exo-bench-tui demo`` does);
- ``FIRST_FRAME``: the app is running and its main screen is composed and
  painted once (``App.run_test`` returns the pilot once the app is ready);
- ``DATA_FRAME``: the first sync has landed and the screen shows the data
  (``data_version`` equals the store's version, after one more refresh).

It goes through the same ``make_app`` and S3 code path as the command line.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path

from exo_benchtui.demo import DemoServer
from exo_benchtui.settings import Settings
from exo_benchtui.ui.app import make_app

_DATA_TIMEOUT_S = 60.0


async def probe(settings: Settings) -> None:
    app = make_app(settings)
    async with app.run_test(headless=True, size=(160, 48)) as pilot:
        print("FIRST_FRAME", flush=True)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + _DATA_TIMEOUT_S
        while not (len(app.store) and app.data_version == app.store.version):
            if loop.time() > deadline:
                raise TimeoutError("the first sync never reached the screen")
            await pilot.pause(0.005)
        await pilot.pause()  # let the data's repaint happen
        print("DATA_FRAME", flush=True)
        app.exit()


def main() -> None:
    with (
        tempfile.TemporaryDirectory() as logs,
        DemoServer(feed_interval_s=None) as server,
    ):
        print("DEMO_READY", flush=True)
        settings = Settings(
            source=server.location,
            endpoint_url=server.endpoint_url,
            region=server.region,
            refresh_s=60.0,
            log_file=Path(logs) / "bench.log",
        )
        asyncio.run(probe(settings))
    sys.stdout.flush()


if __name__ == "__main__":
    main()

"""A server sees every change: it reloads its view when another process (``rag ingest`` from cron, a second
server worker) committed a newer manifest.

Polling the manifest's ``updated`` stamp is enough: the manifest is the single commit
point and is replaced atomically. The reload itself waits for a writer's lock and
builds the new view beside the old one, which keeps answering until the swap.
"""

from __future__ import annotations

import logging
import threading

from rag.engine import Engine, IndexNotReady

log = logging.getLogger("rag.watch")


class IndexWatcher:
    def __init__(self, engine: Engine, interval: float):
        self.engine, self.interval = engine, interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> IndexWatcher:
        if self.interval > 0 and self._thread is None:
            self._thread = threading.Thread(target=self._run, name="rag-index-watch", daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
        self._thread = None

    def check(self) -> bool:
        """Reload when the index on disk is newer than the one served; True when it did."""
        engine = self.engine
        try:
            updated = engine.store.stamp()
        except Exception:  # noqa: BLE001 - no index yet, or the shared store is unreachable: try again next round
            return False  # no index yet
        if updated is None or updated == engine.serving or engine.writing:
            return False
        try:
            engine.load()
        except IndexNotReady as e:
            log.warning("nieuwe index niet geladen: %s", e)
            return False
        except Exception:  # noqa: BLE001 - keep serving the last good view; try again next round
            log.exception("nieuwe index laden mislukt; de vorige blijft in gebruik")
            return False
        log.info("index opnieuw geladen: %d brieven", len(engine.view.records))
        return True

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.check()

"""An idle server must not spin: Gradio's queue polls every 1 ms unless told otherwise (benchmarks/idle_cpu.py
measures the CPU this costs)."""

import inspect

from fastapi import FastAPI
from gradio.queueing import Queue

from ui.app import PROGRESS_POLL_S, QUEUE_POLL_S, mount


def test_the_mounted_ui_polls_its_queue_slowly_when_idle():
    app = FastAPI()
    app.state.engine = None
    queue = mount(app)._queue
    assert queue.sleep_when_free == QUEUE_POLL_S >= 0.02
    assert queue.progress_update_sleep_when_free == PROGRESS_POLL_S >= 0.1


def test_gradio_still_reads_the_attributes_we_set():
    """Were they renamed, setting them would silently change nothing."""
    assert "asyncio.sleep(self.sleep_when_free)" in inspect.getsource(Queue.start_processing)
    assert "asyncio.sleep(self.progress_update_sleep_when_free)" in inspect.getsource(Queue.start_progress_updates)

"""Process settings for long-running servers (gunicorn workers, run.py serve, ingest-worker)."""

import gc


def tune_gc() -> None:
    """Keep the app's long-lived objects out of garbage collection, and collect less often.

    Call once the app is built. Ingest allocates many short-lived objects per batch; with the
    default threshold the collector ran about once per batch and walked every module-level
    object each time (~30 % of a batch's CPU in bench/ingest_http.py profiles), and its full
    collections paused every thread for tens of milliseconds (the tail of push latency).
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 20)

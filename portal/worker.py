"""The background worker's entry point: `huey_consumer portal.worker.huey`.

Building the app here configures the queue from the app's config (portal.tasks.init_app) and lets every job
run in an app context; importing portal.tasks alone does nothing.
"""

from __future__ import annotations

from portal import create_app, tasks

app = create_app()
huey = tasks.huey

"""The job queue: importing portal.tasks does nothing; the app's config decides where jobs go; jobs run in an app
context of that app."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from flask import Flask, current_app
from huey.exceptions import TaskException
from huey.storage import MemoryStorage, RedisStorage, SqliteStorage

from portal import tasks


def test_importing_tasks_creates_no_file_and_opens_no_queue(tmp_path: Path):
    code = ("import portal.tasks as t, huey.storage as s; "
            "assert isinstance(t.huey.storage, s.MemoryStorage) and t.huey.immediate")
    result = subprocess.run(  # noqa: S603 - our own interpreter and a fixed snippet
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert list(tmp_path.iterdir()) == []


def test_the_queue_follows_the_app_config_and_jobs_get_an_app_context(app: Flask, tmp_path: Path):
    try:
        other = Flask("ander_portaal", instance_path=str(tmp_path / "instance"))
        other.config.update(HUEY_IMMEDIATE=False, HUEY_URL="")
        tasks.init_app(other)
        assert isinstance(tasks.huey.storage, SqliteStorage) and not tasks.huey.immediate
        assert (tmp_path / "instance" / "huey.db").exists()

        other.config["HUEY_URL"] = "redis://127.0.0.1:6379/15"
        tasks.init_app(other)
        assert isinstance(tasks.huey.storage, RedisStorage)

        other.config["HUEY_IMMEDIATE"] = True
        tasks.init_app(other)
        assert isinstance(tasks.huey.storage, MemoryStorage) and tasks.huey.immediate

        @tasks.huey.task()
        def which_app() -> str:
            return current_app.name

        assert which_app()() == "ander_portaal"
    finally:
        tasks.init_app(app)  # the test app's immediate queue for the rest of the run
    assert tasks.huey.immediate


def test_a_failed_job_ends_its_app_context_with_its_error(app: Flask, tmp_path: Path):
    """The teardown learns that the job failed, as after a failed request, so the job's transaction rolls back."""
    seen: list[BaseException | None] = []
    try:
        other = Flask("ander_portaal", instance_path=str(tmp_path / "instance"))
        other.config.update(HUEY_IMMEDIATE=True, HUEY_URL="")
        other.teardown_appcontext(seen.append)
        tasks.init_app(other)

        @tasks.huey.task()
        def fails() -> None:
            raise ValueError("kapot")

        with pytest.raises(TaskException):
            fails()(blocking=True)
    finally:
        tasks.init_app(app)
    assert len(seen) == 1 and isinstance(seen[0], ValueError)

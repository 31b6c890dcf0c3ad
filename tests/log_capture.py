"""Pytest plugin: keep every log line of the test session, so one test can prove no BSN or name reached a log.

A handler on the root logger at DEBUG sees what a production handler would see (werkzeug's request
lines, the portal's own loggers, libraries that propagate). The app's configure_logging() attaches its
BSN filter to this handler exactly as it does to the production root handler, so what is stored here
is what an operator's log file would contain, tracebacks included.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import pytest

RUNS_LAST = "runs_last"


@dataclass(frozen=True)
class CapturedLine:
    """One formatted log record and where it came from."""

    test: str
    logger: str
    source: str
    text: str


class SessionLogCapture(logging.Handler):
    """Stores every formatted record of the session with the test that was running."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        self.lines: list[CapturedLine] = []
        self.current_test = "(buiten een test)"

    def emit(self, record: logging.LogRecord) -> None:
        try:
            text = self.format(record)
        except Exception:  # a broken log call must not break the test that made it
            self.handleError(record)
            return
        self.lines.append(CapturedLine(self.current_test, record.name, f"{record.pathname}:{record.lineno}", text))

    def lines_of(self, nodeid: str) -> list[CapturedLine]:
        """The lines logged while the given test ran."""
        return [line for line in self.lines if line.test == nodeid]


CAPTURE = SessionLogCapture()
_previous_level: int | None = None
# (voornamen, achternaam) of every inburgeraar the run stored, so the last test can look for them in the logs.
NAMES: set[tuple[str, str]] = set()


def _remember_name(_mapper: object, _connection: object, target: object) -> None:
    NAMES.add((target.voornamen, target.achternaam))  # type: ignore[attr-defined]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", f"{RUNS_LAST}: run after every other test of the session")


def pytest_sessionstart(session: pytest.Session) -> None:
    """Install the handler before any app is created, so the app's BSN filter is attached to it too."""
    global _previous_level
    root = logging.getLogger()
    _previous_level = root.level
    root.setLevel(logging.DEBUG)
    if CAPTURE not in root.handlers:
        root.addHandler(CAPTURE)
    from sqlalchemy import event

    from portal.models import Inburgeraar

    if not event.contains(Inburgeraar, "after_insert", _remember_name):
        event.listen(Inburgeraar, "after_insert", _remember_name)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    root = logging.getLogger()
    root.removeHandler(CAPTURE)
    if _previous_level is not None:
        root.setLevel(_previous_level)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_logstart(nodeid: str, location: tuple[str, int | None, str]) -> None:
    CAPTURE.current_test = nodeid


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked runs_last go to the end, so they see the logs of the whole run."""
    last = [item for item in items if item.get_closest_marker(RUNS_LAST)]
    if last:
        items[:] = [item for item in items if not item.get_closest_marker(RUNS_LAST)] + last

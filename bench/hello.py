"""The baseline of bench/survey_throughput.py: a bare Flask app, served by the same gunicorn
configuration as the real one, answering every path with a short text.

`POST /store` is the least a submission can be: one row written and committed, with the
stdlib's sqlite3, to the SQLite file the bench gives the app, with the journal the app uses
(WAL, `BEGIN IMMEDIATE`). GET + POST /store per second is the ceiling any survey that stores
its answers could reach on this machine, measured beside the survey in the same run.
"""

from __future__ import annotations

import os
import sqlite3
import uuid
from functools import cache

from flask import Flask

app = Flask(__name__)


@cache  # one connection per worker
def _database() -> sqlite3.Connection:
    path = os.environ["FEEDBACK_DATABASE_URL"].removeprefix("sqlite:///")
    connection = sqlite3.connect(path, isolation_level=None, timeout=10)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("CREATE TABLE IF NOT EXISTS stored (key TEXT PRIMARY KEY)")
    return connection


@app.post("/store")
def store() -> str:
    """One row written and committed."""
    connection = _database()
    connection.execute("BEGIN IMMEDIATE")
    connection.execute("INSERT INTO stored (key) VALUES (?)", (uuid.uuid4().hex,))
    connection.execute("COMMIT")
    return "stored"


@app.get("/")
@app.get("/<path:anything>")
def hello(anything: str = "") -> str:
    """A few bytes, as cheap as Flask can answer."""
    return "hello"

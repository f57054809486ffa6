"""The baseline of bench/survey_throughput.py: a bare Flask app, served by the same gunicorn
configuration as the real one, answering every path with a short text."""

from __future__ import annotations

from flask import Flask

app = Flask(__name__)


@app.get("/")
@app.get("/<path:anything>")
def hello(anything: str = "") -> str:
    """A few bytes, as cheap as Flask can answer."""
    return "hello"

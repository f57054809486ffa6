"""The shipped logs name no client: addresses are replaced, times and versions stay."""

from __future__ import annotations

import pytest

from feedback.logs import redact


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Invalid request from ip=10.1.2.3: bad", "Invalid request from ip=[adress]: bad"),
        ("Invalid request from ip=::1: bad", "Invalid request from ip=[adress]: bad"),
        ("from 2001:db8::8a2e:370:7334 on", "from [adress] on"),
        ("peer ::ffff:192.0.2.1 gone", "peer [adress] gone"),
        ("from fe80::1%eth0 now", "from [adress] now"),
        ("Listening at: http://127.0.0.1:5000 (1)", "Listening at: http://[adress]:5000 (1)"),
    ],
)
def test_addresses_are_replaced(line: str, expected: str) -> None:
    assert redact(line) == expected


@pytest.mark.parametrize(
    "line",
    [
        '[01/Dec/2026:23:17:36 +0000] "GET /q/ABCDEFG HTTP/1.1" 200 2030 75ms',
        "gunicorn 27.0.1, took 0.5 s, torsdag 18.00–20.00",
    ],
)
def test_times_and_versions_stay(line: str) -> None:
    assert redact(line) == line

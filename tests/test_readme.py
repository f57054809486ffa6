"""Every address the README names answers, so the README cannot drift from the app."""

from __future__ import annotations

import itertools
import re
from datetime import date

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from tests.conftest import Auth, make_meeting
from tests.server import ROOT

# An address in code: `/loften`, `GET /api/v1/districts`; paths on disk are not addresses.
ADDRESS = re.compile(r"`(?:GET )?(/[^`\s]*)`")
FILES = ("/usr/", "/work/", "/tmp/", "/etc/")
# Named as the beginning of the survey's addresses (`/q/<CODE>`), not as pages.
PREFIXES = {"/q/", "/s/"}


def named() -> list[str]:
    """The addresses in README.md, as written."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    found = {m.group(1) for m in ADDRESS.finditer(text)}
    return sorted(a for a in found if not a.startswith(FILES) and a not in PREFIXES)


def expand(address: str, code: str, meeting: int, district: int) -> list[str]:
    """Each concrete address a written one stands for: placeholders filled in, alternatives
    (`a\\|b`, `a|b`) and optional parts (`[...]`) each taken."""
    address = address.replace("\\|", "|")
    address = re.sub(r"/meetings/<id>", f"/meetings/{meeting}", address)
    address = re.sub(r"/districts/<id>", f"/districts/{district}", address)
    address = address.replace("<CODE>", code).replace("<year>", "2019")
    address = re.sub(r"=(YYYY|Y)\b", "=2019", address).replace("=ID", f"={district}")
    address = re.sub(r"\[([^\]]*)\]", r"(\1|)", address)  # optional: with and without
    address = re.sub(r"<([^>]*)>", r"(\1)", address)
    # Alternatives: a group (a|b), or a query value a|b.
    parts = re.split(r"(\([^)]*\)|[\w-]+(?:\|[\w-]+)+)", address)
    choices = [p.strip("()").split("|") if "|" in p or p.startswith("(") else [p] for p in parts]
    return ["".join(c) for c in itertools.product(*choices)]


def test_the_readme_names_addresses_from_every_part_of_the_app() -> None:
    addresses = named()
    assert len(addresses) >= 30, addresses
    for part in ("/api/v1/", "/staff/", "/q/<CODE>", "/loften", "/staff/export/responses.xlsx"):
        assert part in addresses


def test_every_address_the_readme_names_answers(
    client: FlaskClient, session: Session, auth: Auth
) -> None:
    meeting = make_meeting(session, day=date(2019, 2, 21))
    meeting.kind = "walk"  # every meeting's address answers for a walk, and its findings too
    session.commit()
    auth.login()
    failed = []
    for written in named():
        for address in expand(written, meeting.code, meeting.id, meeting.district_id):
            with client.get(address) as response:
                if response.status_code >= 400:
                    failed.append((written, address, response.status_code))
    assert failed == []

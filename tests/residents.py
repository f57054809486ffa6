"""A room of residents answering at once, against gunicorn with the shipped config.

Used by tests/test_load.py (small) and bench/load_residents.py (the full run). Each resident
opens the survey, answers, and sends; a share of them sends the identical POST twice, some
in parallel (a double tap). A resident whose request fails (a killed worker, a 5xx, the
form back with "could not be saved") sends the same form again, as a person would, until
the thank-you or the "already answered" page. With several app servers (as behind a load
balancer) the residents are spread over them, and a request that meets a dead server is sent
again to the next, as a balancer does. Traffic goes to 127.0.0.1 only, bounded in count and
time.
"""

from __future__ import annotations

import re
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import time as clock
from datetime import timedelta
from functools import partial

import requests
from sqlalchemy import func, select

from feedback import create_app, db, questionnaire
from feedback.cli import migrating
from feedback.meetings import MeetingFields, create_meeting, local
from feedback.models import Answer, Meeting, Response, utcnow
from feedback.users import create_user, find_user
from tests.conftest import make_organisation
from tests.server import SECRET, Server

# Every resident says who they are in the free text, so a response stored twice shows.
MARKER = "Boende nummer {n}"
# Staff logging in while the room answers.
STAFF_EMAIL = "samordnare@example.se"
STAFF_PASSWORD = "ett långt lösenord för lasttestet"


def prepare_database(url: str, district: str = "Hagalund") -> str:
    """Migrate the database, sync the questionnaire and add a meeting open now; its code."""
    app = create_app({"TESTING": True, "SECRET_KEY": SECRET, "DATABASE_URL": url})
    with app.app_context():
        from alembic import command

        with migrating() as config:
            command.upgrade(config, "head")
        questionnaire.sync(db.session())
        now = local(utcnow())
        # Open from an hour ago until tomorrow: the run never depends on the time of day.
        start = (now - timedelta(hours=1)).replace(minute=0, second=0, microsecond=0)
        meeting = create_meeting(
            db.session(),
            make_organisation(db.session()).id,
            MeetingFields(
                district, start.date(), start.time(), clock(23, 59), "Tempo", "Hagavägen 19"
            ),
        )
        if meeting.ends_at <= meeting.starts_at:  # started just before midnight
            meeting.ends_at = meeting.starts_at + timedelta(hours=2)
        if find_user(db.session(), STAFF_EMAIL) is None:
            create_user(
                db.session(),
                STAFF_EMAIL,
                STAFF_PASSWORD,
                "admin",
                [make_organisation(db.session())],
            )
        db.session().commit()
        code = meeting.code
        db.session().close()
        db.engine().dispose()
    return code


# A killed worker breaks the connection before the answer, or in the middle of its body: a
# phone sees either, and sends the same form again (its key makes that store once).
BROKEN = (requests.ConnectionError, requests.exceptions.ChunkedEncodingError)


@dataclass
class Tally:
    """What the residents saw, and what the database holds afterwards."""

    residents: int = 0
    acknowledged: int = 0  # ended on the thank-you or the "already answered" page
    requests: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    connection_errors: int = 0
    resends: int = 0
    failovers: int = 0  # requests sent on to another app server after one met a dead one
    keys: set[str] = field(default_factory=set)  # the submission keys of acknowledged answers
    logins: int = 0  # staff who logged in while the room answered
    logged_in: int = 0  # ... and reached the staff pages
    stored: int = 0
    lost: int = 0
    doubled: int = 0
    seconds: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def server_errors(self) -> int:
        """Responses with a 5xx status, a 503 with the answers kept included."""
        return sum(n for status, n in self.statuses.items() if status >= 500)

    def line(self) -> str:
        """The figures on one line."""
        return (
            f"residents {self.residents}, acknowledged {self.acknowledged}, stored {self.stored}, "
            f"lost {self.lost}, doubled {self.doubled}, 5xx {self.server_errors}, "
            f"connection errors {self.connection_errors}, resends {self.resends}, "
            f"moved to another server {self.failovers}, "
            f"staff logins {self.logged_in}/{self.logins}, "
            f"requests {self.requests} in {self.seconds:.1f} s"
        )


class Route:
    """Which app server a phone's requests reach: one to begin with, and the next after a
    connection to it broke, as a load balancer sends a dead server's traffic elsewhere."""

    def __init__(self, base_urls: Sequence[str], first: int, tally: Tally) -> None:
        self.base_urls = base_urls
        self.at = first % len(base_urls)
        self.tally = tally
        self.lock = threading.Lock()

    @property
    def base_url(self) -> str:
        """The address the next request goes to."""
        return self.base_urls[self.at]

    def broke(self, base_url: str) -> None:
        """A request to `base_url` broke: go on to the next server (once, however many broke)."""
        with self.lock:
            if len(self.base_urls) > 1 and self.base_url == base_url:
                self.at = (self.at + 1) % len(self.base_urls)
                with self.tally.lock:
                    self.tally.failovers += 1


_TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
_KEY = re.compile(r'name="submission_key" type="hidden" value="([0-9a-f]+)"')
THANKS = "Tack för dina svar"
ANSWERED = "Du har redan svarat"


def _send(
    browser: requests.Session, route: Route, path: str, data: dict[str, str], tally: Tally
) -> str | None:
    """POST the form once; the page it ends on, or None when the request failed."""
    base_url = route.base_url
    try:
        response = browser.post(f"{base_url}{path}", data=data, timeout=60)
    except BROKEN:
        route.broke(base_url)
        with tally.lock:
            tally.requests += 1
            tally.connection_errors += 1
        return None
    with tally.lock:
        tally.requests += 1
        tally.statuses[response.status_code] += 1
        for earlier in response.history:
            tally.statuses[earlier.status_code] += 1
    if response.status_code == 200 and (THANKS in response.text or ANSWERED in response.text):
        return response.text
    return None


def resident(route: Route, code: str, n: int, double_tap: bool, tally: Tally) -> None:
    """One resident: open the survey, answer, send until the answer is acknowledged."""
    browser = requests.Session()
    path = f"/q/{code}"
    page = None
    for _attempt in range(20):
        base_url = route.base_url
        try:
            opened = browser.get(f"{base_url}{path}", timeout=60)
            with tally.lock:
                tally.requests += 1
                tally.statuses[opened.status_code] += 1
            if opened.status_code == 200:
                page = opened.text
                break
        except BROKEN:
            route.broke(base_url)
            with tally.lock:
                tally.connection_errors += 1
        time.sleep(0.2)
    if page is None:
        return
    token, key = _TOKEN.search(page), _KEY.search(page)
    assert token and key, f"the survey page has no form: {opened.url}\n{page[:3000]}"
    data = {
        "csrf_token": token.group(1),
        "submission_key": key.group(1),
        "safety_evening": ("very_safe", "fairly_unsafe", "no_go_unsafe")[n % 3],
        "problem_lighting": "very_big",
        "unsafe_place_other": MARKER.format(n=n),
    }
    if double_tap:  # the same POST twice at once, then on with whatever came back
        with ThreadPoolExecutor(2) as pair:
            results = list(pair.map(lambda _: _send(browser, route, path, data, tally), range(2)))
        with tally.lock:
            tally.resends += 1
        ended = next((r for r in results if r), None)
    else:
        ended = _send(browser, route, path, data, tally)
    attempts = 0
    while ended is None and attempts < 20:
        attempts += 1
        with tally.lock:
            tally.resends += 1
        time.sleep(0.25 * attempts)
        ended = _send(browser, route, path, data, tally)
    if ended is not None:
        with tally.lock:
            tally.acknowledged += 1
            tally.keys.add(data["submission_key"])


def staff_login(route: Route, tally: Tally) -> None:
    """A coordinator logs in while the room answers, and opens the staff pages."""
    browser = requests.Session()
    for _attempt in range(20):
        base_url = route.base_url
        try:
            page = browser.get(f"{base_url}/login", timeout=60)
            if page.url.rstrip("/").endswith("/staff"):
                # The login went through, but the redirect after it met the killed worker:
                # the session holds, so the login page sends the coordinator on.
                with tally.lock:
                    tally.requests += 1 + len(page.history)
                    tally.statuses[page.status_code] += 1
                    tally.logged_in += 1
                return
            token = _TOKEN.search(page.text)
            assert token, "the login page has no form"
            data = {"csrf_token": token.group(1), "email": STAFF_EMAIL, "password": STAFF_PASSWORD}
            response = browser.post(f"{base_url}/login", data=data, timeout=60)
        except BROKEN:
            route.broke(base_url)
            with tally.lock:
                tally.connection_errors += 1
            time.sleep(0.2)
            continue
        with tally.lock:
            tally.requests += 2 + len(response.history)
            tally.statuses[page.status_code] += 1
            tally.statuses[response.status_code] += 1
            for earlier in response.history:
                tally.statuses[earlier.status_code] += 1
            if response.status_code == 200 and response.url.rstrip("/").endswith("/staff"):
                tally.logged_in += 1
                return
        time.sleep(0.2)


def run_room(
    servers: Server | Sequence[Server],
    code: str,
    residents: int = 200,
    at_once: int = 40,
    double_tap_share: float = 0.1,
    kill_after: int | None = None,
    logins: int = 0,
    kill: Callable[[], object] | None = None,
) -> Tally:
    """Residents answering through `at_once` phones, and staff logging in meanwhile, spread
    over the app servers in turn.

    Once `kill_after` residents are done, `kill` runs: by default it kills a worker of the
    first server.
    """
    if isinstance(servers, Server):
        servers = [servers]
    base_urls = [server.base_url for server in servers]
    tally = Tally(residents=residents, logins=logins)
    every = round(1 / double_tap_share) if double_tap_share else 0
    started = time.monotonic()
    with ThreadPoolExecutor(at_once) as room:
        tasks = [
            partial(
                resident,
                Route(base_urls, n, tally),
                code,
                n,
                bool(every) and n % every == 0,
                tally,
            )
            for n in range(residents)
        ]
        spread = max(1, residents // (logins + 1))
        for i in range(logins):  # among the residents, not after them
            login = partial(staff_login, Route(base_urls, i, tally), tally)
            tasks.insert((i + 1) * spread + i, login)
        futures = [room.submit(task) for task in tasks]
        if kill_after is not None:
            while sum(f.done() for f in futures) < kill_after:
                time.sleep(0.01)
            (kill or servers[0].kill_a_worker)()
        for future in futures:
            future.result()
    tally.seconds = time.monotonic() - started
    return tally


def count_stored(database_url: str, code: str, tally: Tally) -> Tally:
    """Fill in what the database holds for the meeting: stored, lost and doubled answers."""
    app = create_app({"TESTING": True, "SECRET_KEY": SECRET, "DATABASE_URL": database_url})
    with app.app_context():
        session = db.session()
        of_meeting = select(Response.id).join(Response.meeting).where(Meeting.code == code)
        stored_keys = set(
            session.scalars(select(Response.submission_key).where(Response.id.in_(of_meeting)))
        )
        per_resident = session.execute(
            select(Answer.value, func.count())
            .where(Answer.question_key == "unsafe_place_other", Answer.response_id.in_(of_meeting))
            .group_by(Answer.value)
        ).all()
        session.close()
        db.engine().dispose()
    tally.stored = len(stored_keys)
    tally.lost = len(tally.keys - stored_keys)
    tally.doubled = sum(n - 1 for _value, n in per_resident if n > 1)
    return tally

"""The app served as in production, for tests that need real workers: gunicorn with the shipped
gunicorn.conf.py on a free loopback port, stopped afterwards; or several such app servers on
one database, as behind a load balancer.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from urllib.error import URLError
from urllib.request import urlopen

from sqlalchemy import create_engine, make_url

ROOT = Path(__file__).resolve().parent.parent
SECRET = "test-server-secret-key-not-for-production"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def postgres_database(url: str, name: str) -> Iterator[str]:
    """An empty PostgreSQL database of this name on the server `url` points to, dropped after."""
    server = make_url(url)
    admin = create_engine(server.set(database="postgres"), isolation_level="AUTOCOMMIT")
    drop = f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'
    with admin.connect() as connection:
        connection.exec_driver_sql(drop)
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(drop)
        admin.dispose()


def worker_pids(master: int) -> list[int]:
    """The process ids of a gunicorn master's workers."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == master:
                found.append(int(entry.name))
    return found


@dataclass
class Server:
    """A running gunicorn: its address, master process and log file."""

    base_url: str
    process: subprocess.Popen[bytes]
    log: Path

    def workers(self) -> list[int]:
        """The worker processes' ids."""
        return worker_pids(self.process.pid)

    def kill_a_worker(self) -> int:
        """SIGKILL one worker, as the OOM killer or a crash would; its pid."""
        victim = self.workers()[0]
        os.kill(victim, signal.SIGKILL)
        return victim

    def kill(self) -> None:
        """SIGKILL the master and every worker, as a machine that dies would go."""
        workers = self.workers()
        self.process.kill()  # first, so that it starts no new worker
        self.process.wait()
        for pid in workers:
            _kill_if_alive(pid)


def _kill_if_alive(pid: int) -> None:
    with suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)


@contextmanager
def serve(
    database_url: str,
    env: Mapping[str, str] | None = None,
    workers: int = 4,
    log: Path | None = None,
    app: str = "wsgi:app",
    port: int | None = None,
) -> Iterator[Server]:
    """Run gunicorn on a migrated database until the block ends.

    `env` adds or overrides FEEDBACK_* settings. The server's output goes to `log` (a
    temporary file unless given), shown in the error when the server does not come up. `app`
    is the WSGI app to serve (bench/ serves a bare Flask app as its baseline). `port` is a free
    one unless given.
    """
    port = port or free_port()
    base_url = f"http://127.0.0.1:{port}"
    environment = {
        **os.environ,
        "FEEDBACK_SECRET_KEY": SECRET,
        "FEEDBACK_DATABASE_URL": database_url,
        "FEEDBACK_PUBLIC_BASE_URL": base_url,
        **(env or {}),
    }
    command = [
        str(Path(sys.executable).with_name("gunicorn")),
        "-c",
        str(ROOT / "gunicorn.conf.py"),
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        app,
    ]
    with tempfile.TemporaryDirectory() as folder:
        path = log or Path(folder) / "gunicorn.log"
        with path.open("wb") as output:
            process = subprocess.Popen(
                command, cwd=ROOT, env=environment, stdout=output, stderr=subprocess.STDOUT
            )
        server = Server(base_url, process, path)
        try:
            _wait_until_up(base_url, process, workers, path)
            yield server
        finally:
            started = server.workers()
            # A quick shutdown: a test waits for no request, and graceful ones take seconds.
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            for pid in started:  # a worker left behind by a master that died first
                _kill_if_alive(pid)


@contextmanager
def serve_several(
    database_url: str,
    count: int,
    env: Mapping[str, str] | None = None,
    workers: int = 2,
    logs: Path | None = None,
) -> Iterator[list[Server]]:
    """`count` app servers with the same settings on one database, as behind a load balancer.

    Each is a gunicorn of its own on its own port; they share the secret key and one
    PUBLIC_BASE_URL (the first's address, standing for the balancer's). Their output goes to
    `logs`/gunicorn-<n>.log when given.
    """
    ports: list[int] = []
    while len(ports) < count:
        if (port := free_port()) not in ports:
            ports.append(port)
    shared = {"FEEDBACK_PUBLIC_BASE_URL": f"http://127.0.0.1:{ports[0]}", **(env or {})}
    with ExitStack() as stack:
        servers = [
            stack.enter_context(
                serve(
                    database_url,
                    env=shared,
                    workers=workers,
                    log=None if logs is None else logs / f"gunicorn-{n}.log",
                    port=port,
                )
            )
            for n, port in enumerate(ports)
        ]
        yield servers


def _wait_until_up(
    base_url: str, process: subprocess.Popen[bytes], workers: int, log: Path
) -> None:
    """Wait until the login page answers and every worker has started (30 s at most)."""
    deadline = time.monotonic() + 30
    while True:
        try:
            with urlopen(f"{base_url}/login", timeout=2) as page:
                if page.status == 200 and len(worker_pids(process.pid)) >= workers:
                    return
        except (URLError, ConnectionError):
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            output = log.read_text(errors="replace")
            raise RuntimeError(f"gunicorn did not start:\n{output}")
        time.sleep(0.1)

"""A throw-away PostgreSQL server for the tests: its own data folder, a local socket, stopped
at the end.

The distribution's binaries are used (``apt-get install postgresql``; ``.ci/run`` installs
them). Debian keeps them in ``/usr/lib/postgresql/<version>/bin``, out of ``PATH``, so both
are searched. PostgreSQL refuses to run as root: as root (CI), the server runs as the
``postgres`` user the package created. Without binaries (or without that user) the tests that
need the server are skipped with :func:`unavailable`'s reason, never silently passed.

Each pytest-xdist worker starts its own server (its own folder and socket: nothing shared, no
port to pick), and each test gets its own database in it (:meth:`PostgresServer.new_database`).
"""

from __future__ import annotations

import contextlib
import glob
import itertools
import os
import pwd
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

SERVER_USER = "postgres"
"""Who runs the server when the tests run as root (PostgreSQL refuses root)."""

_counter = itertools.count(1)


def find_binaries() -> Path | None:
    """The folder holding ``initdb``, ``pg_ctl`` and ``postgres``, if PostgreSQL is installed."""
    candidates = []
    found = shutil.which("initdb")
    if found:
        candidates.append(Path(found).resolve().parent)
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=_version, reverse=True)
    candidates.extend(Path(p) for p in versions)
    for folder in candidates:
        if all((folder / name).is_file() for name in ("initdb", "pg_ctl", "postgres")):
            return folder
    return None


def _version(folder: str) -> tuple[int, ...]:
    name = Path(folder).parent.name
    return tuple(int(part) for part in name.split(".") if part.isdigit())


def unavailable() -> str | None:
    """Why no throw-away server can be started here; None when one can."""
    if find_binaries() is None:
        return (
            "PostgreSQL is not installed (no initdb/pg_ctl): apt-get install postgresql "
            "(.ci/run does it)"
        )
    if os.geteuid() == 0:
        try:
            pwd.getpwnam(SERVER_USER)
        except KeyError:
            return f"running as root and there is no '{SERVER_USER}' user to run PostgreSQL"
    return None


@dataclass
class PostgresServer:
    """One server in ``folder`` (data in ``folder/data``, socket in ``folder``)."""

    binaries: Path
    folder: Path
    user: str | None = None  # the OS user running the server (as root), else the current one
    databases: list[str] = field(default_factory=list)

    @classmethod
    def start(cls) -> PostgresServer:
        binaries = find_binaries()
        assert binaries is not None, unavailable()
        # Short path: a Unix socket path must fit in ~100 bytes.
        folder = Path(tempfile.mkdtemp(prefix="relais-pg-"))
        user = SERVER_USER if os.geteuid() == 0 else None
        if user is not None:
            entry = pwd.getpwnam(user)
            os.chown(folder, entry.pw_uid, entry.pw_gid)
        server = cls(binaries, folder, user)
        try:
            server._run(
                "initdb",
                "-D",
                str(folder / "data"),
                "-U",
                "relais",
                # Trust is safe here: only a socket in a private folder, no TCP at all.
                "--auth=trust",
                "--encoding=UTF8",
                "--no-sync",
            )
            options = (
                f"-k {folder} -c listen_addresses='' -c fsync=off -c synchronous_commit=off "
                "-c full_page_writes=off -c max_connections=50 -c shared_buffers=16MB"
            )
            server._run(
                "pg_ctl", "-D", str(folder / "data"), "-o", options, "-w", "-s", "-l",
                str(folder / "server.log"), "start",
            )  # fmt: skip
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        return server

    def stop(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self._run("pg_ctl", "-D", str(self.folder / "data"), "-m", "immediate", "-s", "stop")
        shutil.rmtree(self.folder, ignore_errors=True)

    def url(self, database: str = "postgres") -> str:
        """A ``postgresql://`` URL for ``RELAIS_DB``: the socket folder as the host."""
        return f"postgresql://relais@/{database}?host={self.folder}"

    def new_database(self) -> str:
        """A fresh, empty database; its URL."""
        name = f"t{os.getpid()}_{next(_counter)}"
        self._psql(f"CREATE DATABASE {name} TEMPLATE template0")
        self.databases.append(name)
        return self.url(name)

    def drop_database(self, url: str) -> None:
        name = url.split("@/", 1)[1].split("?", 1)[0]
        self._psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    def _psql(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(self.url(), autocommit=True) as connection:
            connection.execute(sql)  # type: ignore[arg-type]

    def _run(self, program: str, *args: str) -> None:
        subprocess.run(
            [str(self.binaries / program), *args],
            check=True,
            capture_output=True,
            user=self.user,
            cwd=self.folder,
        )

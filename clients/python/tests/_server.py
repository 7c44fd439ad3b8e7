"""Starts a throwaway server for the tests: DiskDB by default, Debian's redis-server with
DISKDB_TEST_SERVER=redis (to check the tests' expectations against the reference)."""

import os
import shutil
import socket
import ssl
import subprocess
import time
from pathlib import Path
from typing import List, Optional, Sequence


def server_kind() -> str:
    kind = os.environ.get("DISKDB_TEST_SERVER", "diskdb").strip().lower() or "diskdb"
    if kind not in ("diskdb", "redis"):
        raise RuntimeError("DISKDB_TEST_SERVER must be 'diskdb' or 'redis', not %r" % kind)
    return kind


def diskdb_binary() -> Path:
    """DISKDB_BIN, else $CARGO_TARGET_DIR/release/diskdb, else ~/.cache/diskdb-target/..."""
    if os.environ.get("DISKDB_BIN"):
        return Path(os.environ["DISKDB_BIN"])
    if os.environ.get("CARGO_TARGET_DIR"):
        return Path(os.environ["CARGO_TARGET_DIR"]) / "release" / "diskdb"
    return Path.home() / ".cache" / "diskdb-target" / "release" / "diskdb"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    """One server process on 127.0.0.1 with its data in ``directory``."""

    def __init__(
        self,
        directory: Path,
        port: Optional[int] = None,
        extra_args: Sequence[str] = (),
        kind: Optional[str] = None,
        tls: Optional[dict] = None,
    ) -> None:
        self.kind = kind or server_kind()
        self.directory = Path(directory)
        self.port = port or free_port()
        self.extra_args = list(extra_args)
        # tls: {"port", "cert", "key", "ca"}: also listen with TLS on tls["port"].
        self.tls = tls
        self.proc: Optional[subprocess.Popen] = None
        self.log_path = self.directory / "server.log"

    def command(self) -> List[str]:
        port = str(self.port)
        if self.kind == "redis":
            exe = shutil.which("redis-server")
            if exe is None:
                raise RuntimeError("DISKDB_TEST_SERVER=redis but redis-server is not installed")
            cmd = [exe, "--port", port, "--save", "", "--appendonly", "no",
                   "--bind", "127.0.0.1", "--dir", str(self.directory / "data")]
            if self.tls:
                cmd += ["--tls-port", str(self.tls["port"]), "--tls-cert-file", self.tls["cert"],
                        "--tls-key-file", self.tls["key"], "--tls-ca-cert-file", self.tls["ca"],
                        "--tls-auth-clients", "no"]
        else:
            exe = diskdb_binary()
            if not exe.is_file():
                raise RuntimeError(
                    "DiskDB binary not found at %s: build it (cargo build --release), set "
                    "DISKDB_BIN, or run against Redis with DISKDB_TEST_SERVER=redis" % exe
                )
            cmd = [str(exe), "--port", port, "--bind", "127.0.0.1", "--dir", str(self.directory / "data")]
            if self.tls:
                # As for Redis: client certificates are required unless told otherwise.
                cmd += ["--tls-port", str(self.tls["port"]), "--tls-cert-file", self.tls["cert"],
                        "--tls-key-file", self.tls["key"], "--tls-ca-cert-file", self.tls["ca"],
                        "--tls-auth-clients", "no"]
        return cmd + self.extra_args

    def start(self, timeout: float = 60.0) -> "Server":
        # Data goes in a subdirectory so the log beside it is not in the server's way.
        (self.directory / "data").mkdir(parents=True, exist_ok=True)
        log = open(self.log_path, "ab")
        try:
            self.proc = subprocess.Popen(
                self.command(), stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                cwd=str(self.directory),
            )
        finally:
            log.close()
        self._wait_ready(timeout)
        return self

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def _wait_ready(self, timeout: float) -> None:
        """Poll with a raw PING until the server answers (+PONG, or -NOAUTH with a password)."""
        deadline = time.monotonic() + timeout
        while True:
            assert self.proc is not None
            if self.proc.poll() is not None:
                raise RuntimeError(
                    "%s exited with status %s before answering PING:\n%s"
                    % (self.kind, self.proc.returncode, self.log_tail())
                )
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1.0) as sock:
                    sock.sendall(b"*1\r\n$4\r\nPING\r\n")
                    answer = sock.recv(64)
                if answer.startswith((b"+PONG", b"-NOAUTH")):
                    if self.tls:
                        self._wait_tls(deadline)
                    return
            except OSError:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("%s did not answer PING within %.0fs:\n%s" % (self.kind, timeout, self.log_tail()))
            time.sleep(0.05)

    def _wait_tls(self, deadline: float) -> None:
        assert self.tls is not None
        context = ssl.create_default_context(cafile=self.tls["ca"])
        while True:
            try:
                with socket.create_connection(("127.0.0.1", self.tls["port"]), timeout=1.0) as raw:
                    with context.wrap_socket(raw, server_hostname="localhost") as sock:
                        sock.sendall(b"*1\r\n$4\r\nPING\r\n")
                        if sock.recv(64).startswith((b"+PONG", b"-NOAUTH")):
                            return
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("TLS port %d never answered:\n%s" % (self.tls["port"], self.log_tail()))
            time.sleep(0.05)

    def stop(self) -> None:
        """SIGTERM (a clean shutdown), SIGKILL if it takes more than 15 s."""
        proc, self.proc = self.proc, None
        if proc is None or proc.poll() is not None:
            return
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)

    def restart(self) -> None:
        self.stop()
        self.start()

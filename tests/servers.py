"""Real `disclosure serve` processes on loopback ports, for tests that need TCP, several
processes or a kill -9."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import httpx

from conftest import API_KEY, disclosure_command


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """`disclosure serve` on 127.0.0.1 over `database_url`; output to `log_path`."""

    def __init__(self, database_url: str, log_path: Path, *, env: dict | None = None, workers: int = 1,
                 migrate: bool = True) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        full_env = {**os.environ, "DATABASE_URL": database_url, "DISCLOSURE_API_KEYS": API_KEY, **(env or {})}
        self._log = log_path.open("w")
        command = [*disclosure_command(), "serve", "--host", "127.0.0.1", "--port", str(self.port),
                   "--workers", str(workers)]
        self.proc = subprocess.Popen(command, env=full_env, stdout=self._log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, start_new_session=True)
        self._wait_ready()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def _wait_ready(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while True:
            assert self.proc.poll() is None, "server exited:\n" + self.log()
            try:
                if httpx.get(f"{self.base}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "server did not come up:\n" + self.log()
            time.sleep(0.1)

    def kill(self) -> None:
        """SIGKILL the server and its workers (its own process group)."""
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self) -> int:
        """SIGTERM (uvicorn's graceful shutdown), SIGKILL after 15 s; the exit code."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self._log.close()
        return self.proc.returncode

    def __enter__(self) -> "Server":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

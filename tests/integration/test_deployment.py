"""What the Dockerfile relies on exists and works: gunicorn serves the WSGI app, the scheduler command exists."""
from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from coordinator.cli import cli
from coordinator.migrate import upgrade
from tests.smtp_server import free_port

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = (ROOT / "Dockerfile").read_text()


def test_dockerfile_is_multi_stage_and_runs_as_a_non_root_user():
    assert len(re.findall(r"^FROM ", DOCKERFILE, re.M)) >= 2
    users = re.findall(r"^USER (\S+)", DOCKERFILE, re.M)
    assert users and users[-1] not in ("root", "0")


def test_every_path_the_dockerfile_copies_exists():
    for sources in re.findall(r"^COPY (?!--from)(.+) \S+$", DOCKERFILE, re.M):
        for source in sources.split():
            assert (ROOT / source).exists(), source


def test_the_scheduler_command_the_image_documents_exists(runner):
    result = runner.invoke(cli, ["jobs", "run", "--help"])
    assert result.exit_code == 0
    assert "scheduler" in result.output.lower()


def test_gunicorn_serves_the_wsgi_app_named_in_the_dockerfile(tmp_path: Path):
    target = re.search(r'"(coordinator\.wsgi:app)"', DOCKERFILE).group(1)
    url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    upgrade(url)
    port = free_port()
    env = {**os.environ, "COORDINATOR_DATABASE_URL": url, "COORDINATOR_INSTANCE_PATH": str(tmp_path)}
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "--bind", f"127.0.0.1:{port}", "--workers", "1", target],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    try:
        body = _get_when_up(f"http://127.0.0.1:{port}/healthz", server)
        assert b'"status":"ok"' in body.replace(b" ", b"")
    finally:
        server.terminate()
        server.wait(timeout=10)


def _get_when_up(url: str, server: subprocess.Popen[bytes], seconds: float = 20) -> bytes:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                return response.read()
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"gunicorn did not serve {url}: {server.stderr.read()!r}")
            time.sleep(0.2)


def test_coordinator_run_serves_the_home_page_with_the_scheduler(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    upgrade(url)
    port = free_port()
    env = {**os.environ, "COORDINATOR_DATABASE_URL": url, "COORDINATOR_INSTANCE_PATH": str(tmp_path)}
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "coordinator"), "run", "--port", str(port)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    try:
        body = _get_when_up(f"http://127.0.0.1:{port}/", server)
        assert b"<html" in body
    finally:
        server.terminate()
        server.wait(timeout=10)
    # without COORDINATOR_BASE_URL, links in mail lead to this very server, and it says so
    assert (f"COORDINATOR_BASE_URL is not set: links in mail lead to http://127.0.0.1:{port}".encode()
            in server.stderr.read())


def _without_base_url(url: str, tmp_path: Path) -> dict[str, str]:
    """A production-like environment that forgot COORDINATOR_BASE_URL: mail leaves by SMTP."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("COORDINATOR_")}
    return {**env, "COORDINATOR_DATABASE_URL": url, "COORDINATOR_INSTANCE_PATH": str(tmp_path),
            "COORDINATOR_MAIL_URL": f"smtp://127.0.0.1:{free_port()}"}


def test_processes_that_would_mail_links_to_a_default_host_refuse_to_start(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    upgrade(url)
    env = _without_base_url(url, tmp_path)
    scheduler = subprocess.run([str(Path(sys.executable).parent / "coordinator"), "jobs", "run"], env=env,
                               capture_output=True, timeout=60)
    assert scheduler.returncode == 1
    assert b"COORDINATOR_BASE_URL is not set: mail is sent by SMTP" in scheduler.stderr
    web = subprocess.run([str(Path(sys.executable).parent / "gunicorn"), "--bind", f"127.0.0.1:{free_port()}",
                          "--workers", "1", "coordinator.wsgi:app"], env=env, capture_output=True, timeout=60)
    assert web.returncode != 0
    assert b"COORDINATOR_BASE_URL is not set" in web.stderr

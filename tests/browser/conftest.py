"""Fixtures for the real-browser tests: a JupyterLab server and a headless Debian Chromium.

- ``lab``: JupyterLab on 127.0.0.1, a free port, a random token, ``--allow-root`` when root,
  ``expose_app_in_browser`` (so a test can call ``window.jupyterapp.commands``), its own
  config/settings/workspace folders (no news or update pop-ups) and a clean ``TRUSTKIT_HOME``;
  the root folder is a temporary copy of ``tests/notebooks``. Stopped at the end (terminate,
  then kill).
- ``page``: a playwright page in ``/usr/bin/chromium`` (``$CHROMIUM`` to override) launched
  via ``executable_path`` (playwright cannot download browsers here).

Without chromium or playwright the tests are skipped with the reason - or fail under CI
(``CI=true``), where ``make test`` is expected to have installed them.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "browser"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
START_TIMEOUT = 90


def missing(reason: str) -> None:
    """Skip with the reason - but under CI a missing browser is a failure, not a skip."""
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"{reason}: required under CI (`make test` installs Debian's chromium)")
    pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _ensure_kernelspec(env: dict[str, str]) -> None:
    """The demo notebook asks for ``python3``: install ipykernel's spec into the venv if absent."""
    listed = subprocess.run(
        [sys.executable, "-m", "jupyter", "kernelspec", "list", "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    try:
        specs = json.loads(listed.stdout).get("kernelspecs", {})
    except json.JSONDecodeError:
        specs = {}
    if "python3" not in specs:
        subprocess.run(
            [sys.executable, "-m", "ipykernel", "install", "--sys-prefix"],
            check=True,
            capture_output=True,
            env=env,
            timeout=120,
        )


def _quiet_settings(settings_dir: Path) -> None:
    """No 'news' or 'check for updates' notifications over the notebook."""
    folder = settings_dir / "@jupyterlab" / "apputils-extension"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "notification.jupyterlab-settings").write_text(
        json.dumps({"checkForUpdates": False, "fetchNews": "false"}), encoding="utf-8"
    )


@pytest.fixture(scope="session")
def lab(tmp_path_factory: pytest.TempPathFactory):
    if not Path(CHROMIUM).exists():
        missing(f"chromium not found at {CHROMIUM} (apt-get install chromium, or set CHROMIUM)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing("python playwright is not installed (pip install -e '.[test]')")
    base = tmp_path_factory.mktemp("lab")
    root = base / "notebooks"
    shutil.copytree(ROOT / "tests" / "notebooks", root)
    port, token = _free_port(), secrets.token_hex(16)
    env = {
        **os.environ,
        "TRUSTKIT_HOME": str(base / "home"),
        "JUPYTER_CONFIG_DIR": str(base / "jupyter-config"),
        "JUPYTERLAB_SETTINGS_DIR": str(base / "lab-settings"),
        "JUPYTERLAB_WORKSPACES_DIR": str(base / "lab-workspaces"),
        "MPLBACKEND": "Agg",
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    env.pop("TRUSTKIT_WORK_DIR", None)  # work is kept next to the notebook, as for a learner
    _ensure_kernelspec(env)
    _quiet_settings(base / "lab-settings")
    cmd = [
        sys.executable,
        "-m",
        "jupyterlab",
        "--no-browser",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={root}",
        "--LabApp.expose_app_in_browser=True",
        "--LabApp.news_url=None",
        "--LabApp.check_for_updates_class=jupyterlab.handlers.announcements.NeverCheckForUpdate",
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")
    log_path = base / "lab.log"
    log = log_path.open("w", encoding="utf-8")
    proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"

    def stop() -> None:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)
        log.close()
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        shutil.copy(log_path, ARTIFACTS / "lab.log")

    deadline = time.monotonic() + START_TIMEOUT
    while True:
        if proc.poll() is not None:
            stop()
            pytest.fail("JupyterLab exited at start:\n" + log_path.read_text()[-3000:])
        try:
            with urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=2) as r:
                if r.status == 200:
                    break
        except OSError:
            pass
        if time.monotonic() > deadline:
            stop()
            pytest.fail(
                f"JupyterLab did not answer /api/status in {START_TIMEOUT} s:\n"
                + log_path.read_text()[-3000:]
            )
        time.sleep(0.5)
    try:
        yield {"url": url, "token": token, "root": root, "home": base / "home"}
    finally:
        stop()


@pytest.fixture(scope="session")
def browser_page(lab):
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for stale in ARTIFACTS.glob("*.png"):  # screenshots of this run only
        stale.unlink()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        page = context.new_page()
        page.set_default_timeout(60_000)
        console: list[str] = []
        page.on(
            "console",
            lambda m: console.append(f"{m.type}: {m.text}") if m.type == "error" else None,
        )
        page.console_errors = console
        try:
            yield page
        finally:
            (ARTIFACTS / "console-errors.txt").write_text("\n".join(console), encoding="utf-8")
            context.close()
            browser.close()

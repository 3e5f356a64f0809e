"""Fixtures for the real-browser tests: ``trustkit lab`` and a headless Debian Chromium.

- ``lab``: the learner's own command, ``trustkit lab <folder> --no-browser --port N``, on a
  fresh course folder in a temporary directory (created by ``trustkit lab`` itself from
  ``course/``, with ``tests/notebooks/demo_widgets.ipynb`` beside the lessons), on 127.0.0.1
  with a random token (``JUPYTER_TOKEN``). The test's own Jupyter config only adds what a test
  needs: ``expose_app_in_browser`` (so a test can call ``window.jupyterapp.commands``) and, in
  the user settings, ``windowingMode: none`` (JupyterLab would otherwise not render off-screen
  cells). Everything else - no instructor tools, no news, the pre-save hook - is what
  ``trustkit lab`` does for a learner. Stopped at the end (its process group: terminate, then
  kill).
- ``page``: a playwright page in ``/usr/bin/chromium`` (``$CHROMIUM`` to override) launched
  via ``executable_path`` (playwright cannot download browsers here).
- ``axe_source``: axe-core's ``axe.min.js``, installed from npm (``AXE_VERSION``) into the
  virtual environment (``<venv>/axe-core``, not in git) the first time it is needed.

Without chromium, playwright or npm the tests are skipped with the reason - or fail under CI
(``CI=true``), where ``make test`` is expected to have installed them.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import shutil
import signal
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
START_TIMEOUT = 120
AXE_VERSION = "4.14.1"
AXE_DIR = Path(sys.prefix) / "axe-core"


def missing(reason: str) -> None:
    """Skip with the reason - but under CI a missing browser is a failure, not a skip."""
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"{reason}: required under CI (`make test` installs what the tests need)")
    pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _ensure_kernelspec(env: dict[str, str]) -> None:
    """The notebooks ask for ``python3``: install ipykernel's spec into the venv if absent."""
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


def _test_settings(settings_dir: Path, config_dir: Path) -> None:
    """What only a test needs: every cell rendered (no virtual scrolling), and the app object
    in the page. Nothing about news, updates or nbgrader: that is trustkit lab's job."""
    folder = settings_dir / "@jupyterlab" / "notebook-extension"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "tracker.jupyterlab-settings").write_text(
        json.dumps({"windowingMode": "none"}), encoding="utf-8"
    )
    config_dir.mkdir(parents=True, exist_ok=True)
    (config_dir / "jupyter_server_config.json").write_text(
        json.dumps({"LabApp": {"expose_app_in_browser": True}, "ServerApp": {"port_retries": 0}}),
        encoding="utf-8",
    )


def tracked_course_digest() -> dict[str, str]:
    """sha256 of every tracked course file (learning must never change them)."""
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted((ROOT / "course").glob("*.ipynb"))
    }


@pytest.fixture(scope="session")
def lab(tmp_path_factory: pytest.TempPathFactory):
    if not Path(CHROMIUM).exists():
        missing(f"chromium not found at {CHROMIUM} (apt-get install chromium, or set CHROMIUM)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing("python playwright is not installed (pip install -e '.[test]')")
    base = tmp_path_factory.mktemp("lab")
    course = base / "trustkit-course"  # created by trustkit lab itself
    port, token = _free_port(), secrets.token_hex(16)
    env = {
        **os.environ,
        "TRUSTKIT_HOME": str(base / "home"),
        "JUPYTER_TOKEN": token,
        "JUPYTER_CONFIG_DIR": str(base / "jupyter-config"),
        "JUPYTERLAB_SETTINGS_DIR": str(base / "lab-settings"),
        "JUPYTERLAB_WORKSPACES_DIR": str(base / "lab-workspaces"),
        "MPLBACKEND": "Agg",
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    for name in ("TRUSTKIT_WORK_DIR", "TRUSTKIT_COURSE", "JUPYTER_CONFIG_PATH"):
        env.pop(name, None)  # work is kept next to the notebook, as for a learner
    _ensure_kernelspec(env)
    _test_settings(base / "lab-settings", base / "jupyter-config")
    before = tracked_course_digest()
    # the learner's own command (what `make lab ARGS="--no-browser --port N"` runs)
    cmd = [
        sys.executable,
        "-m",
        "trustkit.cli",
        "lab",
        str(course),
        "--no-browser",
        "--port",
        str(port),
    ]
    log_path = base / "lab.log"
    log = log_path.open("w", encoding="utf-8")
    proc = subprocess.Popen(
        cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    url = f"http://127.0.0.1:{port}"

    def stop() -> None:
        # trustkit lab and the JupyterLab it started share one process group: ours
        try:
            os.killpg(proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)
        log.close()
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        shutil.copy(log_path, ARTIFACTS / "lab.log")

    deadline = time.monotonic() + START_TIMEOUT
    while True:
        if proc.poll() is not None:
            stop()
            pytest.fail("trustkit lab exited at start:\n" + log_path.read_text()[-3000:])
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
    # a notebook of the learner's own, beside the lessons
    shutil.copy(ROOT / "tests" / "notebooks" / "demo_widgets.ipynb", course)
    try:
        yield {
            "url": url,
            "token": token,
            "root": course,
            "home": base / "home",
            "log": log_path,
            "tracked_before": before,
        }
    finally:
        stop()


@pytest.fixture(scope="session")
def browser_context(lab):
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for stale in ARTIFACTS.glob("*.png"):  # screenshots of this run only
        stale.unlink()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        try:
            yield context
        finally:
            context.close()
            browser.close()


@pytest.fixture(scope="session")
def browser_page(browser_context):
    page = browser_context.new_page()
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


@pytest.fixture(scope="session")
def axe_source() -> str:
    """axe-core's source, installed from npm into the venv on first use (offline afterwards)."""
    script = AXE_DIR / "node_modules" / "axe-core" / "axe.min.js"
    if not script.is_file():
        npm = shutil.which("npm")
        if npm is None:
            missing("npm is not installed: cannot install axe-core for the accessibility audit")
        done = subprocess.run(
            [
                npm,
                "install",
                "--no-save",
                "--no-audit",
                "--no-fund",
                "--prefix",
                str(AXE_DIR),
                f"axe-core@{AXE_VERSION}",
            ],
            capture_output=True,
            text=True,
            timeout=300,
        )
        if done.returncode != 0 or not script.is_file():
            missing(f"npm could not install axe-core@{AXE_VERSION}: {done.stderr[-500:]}")
    return script.read_text(encoding="utf-8")

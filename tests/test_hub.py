"""A class on a real JupyterHub, driven in headless Chromium, as docs/deploy.md describes it.

On this machine, as root: Unix accounts ``tk-instructor``, ``tk-student1`` and ``tk-student2``
(groups ``tk-instructors`` and ``tk-students``), ``deploy/setup.sh`` run as the docs say, then
JupyterHub 5 with ``deploy/jupyterhub_config.py`` (PAM logins, LocalProcessSpawner, the shared
nbgrader exchange) behind configurable-http-proxy on 127.0.0.1. Then, each in their own
browser context:

1. the instructor logs in and, in a JupyterLab terminal, runs the docs' release commands;
2. each student logs in, fetches ps01 in the Assignments tab, answers the questions, plays the
   role-play by clicking its option buttons, rates the replies, writes the reflection, saves
   and submits (each student differently, so their grades differ);
3. tk-student2 also submits a copy under tk-student1's name (``nbgrader submit --student``),
   which the deployment's collect must refuse;
4. the instructor runs the docs' grading commands (collect, ``trustkit grade``), marks both
   reflections in formgrader (opened in its own tab, as the docs say), releases feedback
   and exports the grades for Canvas and Moodle;
5. each student fetches their feedback and reads their own score.

Asserted: every cell's grade in the gradebook is what the student's clicks earn (computed here,
independently, with the grading functions on the planned work), the two students' totals differ,
the exports carry each student's own total under their own login, the forged submission was not
collected, each feedback file is the student's own; a student has no formgrader (404, no lab
command), cannot open the instructor's formgrader nor another student's server or files (HTTP
403), and cannot read another student's home, the exchange inbox or the instructor's course.

The shell blocks of docs/deploy.md marked ``<!-- hub-test: NAME -->`` are run as written.
Accounts, groups, processes and folders are removed at the end, also on failure; run time is
printed and written to test-artifacts/hub/timing.json with the hub log and screenshots.

Needs root (it creates accounts), Debian's chromium, playwright, jupyterhub and
configurable-http-proxy (``make hub-deps``): skipped with the reason otherwise, failed under CI.
"""

from __future__ import annotations

import ast
import contextlib
import csv
import grp
import io
import json
import os
import pwd
import re
import secrets
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

from .conftest import ROOT

pytestmark = [pytest.mark.browser, pytest.mark.nbgrader, pytest.mark.slow]

ARTIFACTS = ROOT / "test-artifacts" / "hub"
DOCS = ROOT / "docs" / "deploy.md"
DEPLOY = ROOT / "deploy"
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
CHP_LOCAL = ROOT / ".hub-deps" / "node_modules" / ".bin" / "configurable-http-proxy"
BIN = Path(sys.executable).parent

PS = "ps01-trust"
INSTRUCTOR = "tk-instructor"
STUDENTS = ("tk-student1", "tk-student2")
GROUPS = {"instructor": "tk-instructors", "student": "tk-students"}
MARK = "trustkit hub test"  # the GECOS comment of every account this test makes
REFLECTION = {
    "tk-student1": "Student one reflects: when I reflected her tiredness back, trust rose and "
    "she told me about the ibuprofen she buys over the counter.",
    "tk-student2": "Student two reflects: I went straight to the red flags and she kept the "
    "drinking to herself.",
}
MANUAL = {"tk-student1": 4, "tk-student2": 2}  # the reflection marks given in formgrader

# Runs a command in a JupyterLab terminal of the page's own server (the REST API and websocket
# JupyterLab's terminal uses, with the page's cookies), returns its output and exit status.
TERMINAL_JS = """async ({base, cmd, timeout}) => {
  const xsrf = decodeURIComponent((document.cookie.match(/(?:^|; )_xsrf=([^;]*)/) || [])[1] || '');
  const made = await fetch(base + 'api/terminals', {method: 'POST', headers: {'X-XSRFToken': xsrf}});
  if (!made.ok) return {out: 'POST api/terminals: HTTP ' + made.status, code: -1};
  const name = (await made.json()).name;
  return await new Promise((resolve) => {
    const ws = new WebSocket(base.replace(/^http/, 'ws') + 'terminals/websocket/' + name);
    let out = '';
    const finish = (code) => {
      try { ws.close(); } catch (e) {}
      fetch(base + 'api/terminals/' + name, {method: 'DELETE', headers: {'X-XSRFToken': xsrf}});
      resolve({out, code});
    };
    const timer = setTimeout(() => finish(-2), timeout);
    ws.onopen = () => ws.send(JSON.stringify(['stdin', cmd + '; echo "__TK_EXIT=$?__"\\r']));
    ws.onmessage = (event) => {
      const msg = JSON.parse(event.data);
      if (msg[0] !== 'stdout') return;
      out += msg[1];
      const m = out.match(/__TK_EXIT=(\\d+)__/);
      if (m) { clearTimeout(timer); finish(parseInt(m[1], 10)); }
    };
    ws.onerror = () => { clearTimeout(timer); finish(-3); };
  });
}"""


def missing(reason: str) -> None:
    """Skip with the reason; under CI (``CI`` set) a missing piece is a failure."""
    if os.environ.get("CI"):
        pytest.fail(f"{reason}: required under CI (`make test` installs what the hub test needs)")
    pytest.skip(reason)


def _chp() -> str | None:
    for candidate in (os.environ.get("TRUSTKIT_CHP"), str(CHP_LOCAL)):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return shutil.which("configurable-http-proxy")


def _account(name: str) -> pwd.struct_passwd | None:
    try:
        return pwd.getpwnam(name)
    except KeyError:
        return None


def _problem() -> str | None:
    if not sys.platform.startswith("linux"):
        return "the hub test needs Linux (local accounts, PAM)"
    if os.geteuid() != 0:
        return "the hub test needs root: it creates Unix accounts (CI runs as root)"
    for tool in ("useradd", "userdel", "groupadd", "groupdel", "chpasswd", "runuser"):
        if not shutil.which(tool):
            return f"{tool} not found"
    if not Path(CHROMIUM).exists():
        return f"chromium not found at {CHROMIUM} (make chromium installs Debian's)"
    try:
        import jupyterhub  # noqa: F401
        import pamela  # noqa: F401
        import playwright.sync_api  # noqa: F401
    except ImportError as exc:
        return f"{exc.name} is not installed (pip install -e '.[test]')"
    if not _chp():
        return "configurable-http-proxy not found (make hub-deps installs it from npm)"
    for name in (INSTRUCTOR, *STUDENTS):
        acct = _account(name)
        if acct and acct.pw_gecos != MARK:
            return f"an account {name} exists that this test did not make; not touching it"
    for group in GROUPS.values():
        try:
            members = set(grp.getgrnam(group).gr_mem)
        except KeyError:
            continue
        if members - {INSTRUCTOR, *STUDENTS}:
            return f"a group {group} exists with other members; not touching it"
    return None


# ---------------------------------------------------------------------------------------------
# the machine: accounts, folders, processes (all removed again)
# ---------------------------------------------------------------------------------------------
def _run(*cmd: str, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, capture_output=True, text=True, timeout=300, **kw)


def _remove_accounts() -> None:
    for name in (INSTRUCTOR, *STUDENTS):
        acct = _account(name)
        if acct is None or acct.pw_gecos != MARK:
            continue
        _kill_processes_of(acct.pw_uid)
        _run("userdel", "--remove", name)
        if Path(acct.pw_dir).exists() and acct.pw_dir.startswith("/home/tk-"):
            shutil.rmtree(acct.pw_dir, ignore_errors=True)
    for group in GROUPS.values():
        _run("groupdel", group)


def _kill_processes_of(uid: int) -> None:
    """End the processes this test's accounts run (servers, kernels, shells), by process id."""
    for _ in range(2):
        pids = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    if entry.stat().st_uid == uid:
                        pids.append(int(entry.name))
                except OSError:
                    pass
        if not pids:
            return
        for pid in pids:
            try:
                os.kill(pid, signal.SIGTERM if _ == 0 else signal.SIGKILL)
            except ProcessLookupError:
                pass
        time.sleep(2)


def _stop_proxy(pid_file: Path) -> None:
    """The proxy the hub started, if the hub did not stop it (it does on a clean shutdown)."""
    try:
        pid = int(pid_file.read_text().strip())
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except (OSError, ValueError):
        return
    if b"configurable-http-proxy" in cmdline:
        os.kill(pid, signal.SIGTERM)


def _make_reachable(paths: list[Path]) -> list[tuple[Path, int]]:
    """Let every account traverse to ``paths`` (o+x on the folders above); the old modes."""
    changed: list[tuple[Path, int]] = []
    for path in paths:
        for folder in [path, *path.parents]:
            if not folder.is_dir():
                continue
            mode = folder.stat().st_mode
            if not mode & stat.S_IXOTH:
                changed.append((folder, stat.S_IMODE(mode)))
                os.chmod(folder, stat.S_IMODE(mode) | stat.S_IXOTH)
    return changed


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _lab_settings(home: Path, owner: str) -> None:
    """No news or update toasts; whole notebooks rendered (JupyterLab 4 virtualises them)."""
    base = home / ".jupyter" / "lab" / "user-settings" / "@jupyterlab"
    files = {
        base / "apputils-extension" / "notification.jupyterlab-settings": {
            "checkForUpdates": False,
            "fetchNews": "false",
        },
        base / "notebook-extension" / "tracker.jupyterlab-settings": {"windowingMode": "none"},
    }
    for path, data in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(data), encoding="utf-8")
    for folder, _dirs, names in os.walk(home / ".jupyter"):
        shutil.chown(folder, owner, owner)
        for name in names:
            shutil.chown(Path(folder) / name, owner, owner)


def doc_block(name: str) -> list[str]:
    """The command lines of docs/deploy.md's shell block marked ``<!-- hub-test: NAME -->``."""
    text = DOCS.read_text(encoding="utf-8")
    found = re.search(rf"<!-- hub-test: {name} -->\s*```(?:bash|sh)\n(.*?)```", text, re.DOTALL)
    assert found, f"docs/deploy.md has no shell block marked '<!-- hub-test: {name} -->'"
    lines = [ln.strip() for ln in found.group(1).splitlines()]
    return [ln for ln in lines if ln and not ln.startswith("#")]


class Timer:
    def __init__(self) -> None:
        self.start = time.monotonic()
        self.steps: dict[str, float] = {}

    def mark(self, step: str) -> None:
        self.steps[step] = round(time.monotonic() - self.start, 1)
        print(f"[hub test {self.steps[step]:6.1f} s] {step}", flush=True)


@pytest.fixture(scope="module")
def hub():
    problem = _problem()
    if problem:
        missing(problem)
    timer = Timer()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for stale in [*ARTIFACTS.glob("*.png"), *ARTIFACTS.glob("terminal-*.log")]:
        stale.unlink()  # this run's only
    _remove_accounts()  # a run that was killed before its clean-up
    base = Path(tempfile.mkdtemp(prefix="tk-hub-"))
    os.chmod(base, 0o755)
    prefix = base / "srv"
    proc = log = None
    restore: list[tuple[Path, int]] = []
    try:
        # every account runs the course's environment: the venv, its interpreter, the checkout
        restore = _make_reachable(
            [Path(sys.prefix), Path(sys.base_prefix), Path(os.path.realpath(sys.executable)), ROOT]
        )
        passwords = {}
        for group in GROUPS.values():
            _run("groupadd", group).check_returncode()
        for name, role in [(INSTRUCTOR, "instructor")] + [(s, "student") for s in STUDENTS]:
            made = _run("useradd", "-m", "-s", "/bin/bash", "-c", MARK, "-G", GROUPS[role], name)
            assert made.returncode == 0, made.stderr
            passwords[name] = secrets.token_urlsafe(12)
            _lab_settings(Path(pwd.getpwnam(name).pw_dir), name)
        _run("chpasswd", input="".join(f"{u}:{p}\n" for u, p in passwords.items()))
        timer.mark("accounts created")

        env = {
            **os.environ,
            "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
            "TRUSTKIT_HUB_PREFIX": str(prefix),
            "TRUSTKIT_INSTRUCTOR_GROUP": GROUPS["instructor"],
            "TRUSTKIT_STUDENT_GROUP": GROUPS["student"],
            "TRUSTKIT_PYTHON": sys.executable,
        }
        for private in ("TRUSTKIT_HOME", "TRUSTKIT_WORK_DIR"):
            env.pop(private, None)
        for line in doc_block("setup"):  # docs: sudo deploy/setup.sh
            setup = _run("bash", "-c", line.removeprefix("sudo "), cwd=ROOT, env=env)
            (ARTIFACTS / "setup.log").write_text(setup.stdout + setup.stderr, encoding="utf-8")
            assert setup.returncode == 0, setup.stdout + setup.stderr
        timer.mark("deploy/setup.sh done")

        port, hub_port, api_port = _free_port(), _free_port(), _free_port()
        url = f"http://127.0.0.1:{port}"
        env.update(
            {
                "TRUSTKIT_HUB_URL": url,
                "TRUSTKIT_HUB_API_URL": f"http://127.0.0.1:{hub_port}",
                "TRUSTKIT_PROXY_API_URL": f"http://127.0.0.1:{api_port}",
                "TRUSTKIT_CHP": _chp(),
            }
        )
        # the deployment's config, plus what a browser test needs (window.jupyterapp, no news)
        overlay = base / "jupyterhub_test_config.py"
        overlay.write_text(
            "c = get_config()  # noqa\n"
            f"load_subconfig({str(DEPLOY / 'jupyterhub_config.py')!r})  # noqa\n"
            "c.Spawner.args = ['--LabApp.expose_app_in_browser=True', '--LabApp.news_url=None',"
            " '--LabApp.check_for_updates_class="
            "jupyterlab.handlers.announcements.NeverCheckForUpdate']\n",
            encoding="utf-8",
        )
        log_path = base / "hub.log"
        log = log_path.open("w", encoding="utf-8")
        proc = subprocess.Popen(
            [str(BIN / "jupyterhub"), "-f", str(overlay)],
            cwd=base,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 120
        while True:
            if proc.poll() is not None:
                pytest.fail("JupyterHub exited at start:\n" + log_path.read_text()[-4000:])
            try:
                with urllib.request.urlopen(f"{url}/hub/api", timeout=3) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("JupyterHub did not answer in 120 s:\n" + log_path.read_text()[-4000:])
            time.sleep(0.5)
        timer.mark("JupyterHub answering")
        yield {
            "url": url,
            "prefix": prefix,
            "exchange": prefix / "exchange",
            "passwords": passwords,
            "timer": timer,
            "log": log_path,
        }
    finally:
        if proc is not None and proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGTERM)  # the hub stops the servers and the proxy
                proc.wait(60)
            except (subprocess.TimeoutExpired, ProcessLookupError):
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                proc.wait(10)
        _stop_proxy(prefix / "hub" / "jupyterhub-proxy.pid")
        if log is not None:
            log.close()
            shutil.copy(base / "hub.log", ARTIFACTS / "hub.log")
        _remove_accounts()
        for folder, mode in reversed(restore):
            os.chmod(folder, mode)
        shutil.rmtree(base, ignore_errors=True)


# ---------------------------------------------------------------------------------------------
# what each student does, and what it must earn (computed here, not read from the hub)
# ---------------------------------------------------------------------------------------------
GRADERS = ("score_answer", "score_text", "grade_roleplay", "grade_ratings")


def _cells(notebook: Path) -> list[dict]:
    return json.loads(notebook.read_text(encoding="utf-8"))["cells"]


def _source(cell: dict) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else str(src)


def _calls(source: str, names: tuple[str, ...]) -> list[tuple[str, list, dict]]:
    found = []
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return found
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = getattr(node.func, "attr", None) or getattr(node.func, "id", None)
            if name in names:
                try:
                    args = [ast.literal_eval(a) for a in node.args]
                    kwargs = {k.arg: ast.literal_eval(k.value) for k in node.keywords if k.arg}
                except ValueError:  # not literal: not a call this test can read
                    continue
                found.append((name, args, kwargs))
    return found


def assignment_spec(course: Path) -> dict:
    """Questions, role-play, rating task and hidden keys of the source notebook the instructor
    releases (the course's copy, made by deploy/setup.sh)."""
    source = _cells(course / "solutions" / PS / f"{PS}.ipynb")
    spec: dict = {"questions": {}, "grades": {}, "roleplay": None, "ratings": None}
    for cell in source:
        for _name, args, kwargs in _calls(_source(cell), ("Answer",)):
            options = args[2] if len(args) > 2 else kwargs.get("options")
            spec["questions"][args[0]] = {"text": args[1], "options": options, **kwargs}
        for _name, args, kwargs in _calls(_source(cell), ("RolePlay",)):
            spec["roleplay"] = {"scenario": args[0], "mode": kwargs.get("mode", "practice")}
    for cell in source:
        meta = (cell.get("metadata") or {}).get("nbgrader") or {}
        if not meta.get("grade"):
            continue
        calls = _calls(_source(cell), GRADERS)
        spec["grades"][meta["grade_id"]] = {
            "points": float(meta["points"]),
            "call": calls[0] if calls else None,  # None: marked by hand
        }
        for name, args, kwargs in calls:
            if name == "grade_ratings":
                spec["ratings"] = {"key": args[0], "items": list(args[1]), **kwargs}
    return spec


def _grader(spec: dict, name: str, qid: str | None = None) -> tuple[str, list, dict]:
    """The hidden grading call ``name`` (for question ``qid``) of the source notebook."""
    for grade in spec["grades"].values():
        call = grade["call"]
        if call and call[0] == name and (qid is None or call[1][1] == qid):
            return call
    raise AssertionError(f"{PS}: no hidden {name}({qid or ''}) in the source notebook")


def plan_for(student: str, spec: dict) -> dict:
    """What a student clicks. tk-student1 does everything right; tk-student2 gets the first
    single-choice question wrong, picks only one of the right options where several are,
    types a wrong short answer, plays a short poor visit and rates two replies far off."""
    from trustkit.engine import Encounter
    from trustkit.grading import checks

    good = student == STUDENTS[0]
    answers: dict = {}
    wrong_done = False
    for qid, question in spec["questions"].items():
        if question.get("options") is None:
            accepted = list(_grader(spec, "score_text", qid)[1][2])
            answers[qid] = accepted[0] if good else "I am not sure"
            continue
        expected = _grader(spec, "score_answer", qid)[1][2]
        if isinstance(expected, list):  # choose all that apply
            answers[qid] = sorted(expected) if good else [expected[0]]
        elif good or wrong_done:
            answers[qid] = expected
        else:
            answers[qid] = (expected + 1) % len(question["options"])
            wrong_done = True
    _name, args, kwargs = _grader(spec, "grade_roleplay")
    scenario, criteria = args[1], args[2] if len(args) > 2 else kwargs.get("criteria")
    if good:
        path, _fraction = checks.model_path(scenario, criteria)
    else:  # every turn, the option whose id sorts last
        enc, path = Encounter(scenario, mode=spec["roleplay"]["mode"]), []
        while not enc.finished and len(path) < 40:
            option = sorted(enc.options, key=lambda o: o.id)[-1]
            path.append(option.id)
            enc.step(option.id)
    ref = spec["ratings"].get("reference") or checks.reference_ratings(("quality",))
    ratings = {}
    for i, item in enumerate(spec["ratings"]["items"]):
        value = int(round(ref[item]["quality"]))
        if not good and i % 2 == 0:  # far outside the tolerance
            value = 1 if value >= 3 else 5
        ratings[item] = value
    return {"answers": answers, "path": path, "ratings": ratings, "reflection": REFLECTION[student]}


def expected_grades(plan: dict, spec: dict, folder: Path) -> dict[str, float]:
    """Every auto-graded cell's score for the planned work, by the course's grading functions."""
    from trustkit import work
    from trustkit.engine import Encounter
    from trustkit.grading import checks

    for qid, value in plan["answers"].items():
        name = "score_text" if spec["questions"][qid].get("options") is None else "score_answer"
        work.save_answer(_grader(spec, name, qid)[1][0], qid, value, folder)
    _name, args, _kwargs = _grader(spec, "grade_roleplay")
    enc = Encounter(args[1], mode=spec["roleplay"]["mode"])
    for step in plan["path"]:
        enc.step(step)
    roleplay = {
        "scenario": args[1],
        "transcript": enc.transcript(),
        "completed": enc.finished,
        "hints_used": 0,
        "thoughts_shown": 0,
        "self_rating": None,
    }
    work.save(args[0], "roleplay", roleplay, folder)
    ratings = {i: {"quality": v, "empathy_level": None} for i, v in plan["ratings"].items()}
    work.save(spec["ratings"]["key"], "ratings", {"ratings": ratings, "revealed": []}, folder)
    scores = {}
    with contextlib.redirect_stdout(io.StringIO()):  # each grading call prints its reason
        for gid, grade in spec["grades"].items():
            if grade["call"]:
                name, args, kwargs = grade["call"]
                scores[gid] = getattr(checks, name)(*args, **{**kwargs, "base": folder})
    return scores


# ---------------------------------------------------------------------------------------------
# the browser
# ---------------------------------------------------------------------------------------------
def _shot(page, name: str) -> None:
    try:
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"))
    except Exception:
        pass


def login(browser, hub: dict, user: str):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(120_000)
    page.goto(f"{hub['url']}/hub/login")
    page.fill("#username_input", user)
    page.fill("#password_input", hub["passwords"][user])
    page.click("#login_submit")
    return page


def wait_for_lab(page, user: str) -> None:
    page.wait_for_url(re.compile(rf".*/user/{user}/lab.*"), timeout=240_000)
    page.wait_for_function(
        "() => window.jupyterapp && window.jupyterapp.restored.then(() => true)", timeout=180_000
    )
    page.wait_for_selector("#jp-main-dock-panel")


def terminal(page, hub: dict, user: str, command: str, timeout: float = 900) -> str:
    """Run ``command`` in a terminal of ``user``'s own JupyterLab; its output (exit 0 asserted)."""
    result = page.evaluate(
        TERMINAL_JS,
        {"base": f"{hub['url']}/user/{user}/", "cmd": command, "timeout": int(timeout * 1000)},
    )
    out = re.sub(r"\x1b\[[0-9;?]*[a-zA-Z]|\x1b\][^\x07]*\x07|\x1b\(B", "", result["out"])
    with (ARTIFACTS / f"terminal-{user}.log").open("a", encoding="utf-8") as fh:
        fh.write(f"$ {command}\n{out}\n")
    assert result["code"] == 0, f"{user}$ {command}\n{out[-3000:]}"
    return out


def run_doc_block(page, hub: dict, user: str, name: str, timeout: float = 900) -> str:
    return terminal(page, hub, user, " && ".join(doc_block(name)), timeout)


def assignments_tab(page) -> None:
    page.evaluate("() => window.jupyterapp.commands.execute('nbgrader:open-assignment-list')")
    page.wait_for_selector("#released_assignments_list", state="attached")


def assignment_button(page, listing: str, label: str):
    row = page.locator(f"#{listing} .list_item", has_text=PS)
    return row.locator("button", has_text=label)


def _kernel_idle(page) -> bool:
    return page.evaluate(
        "() => { const w = window.jupyterapp.shell.currentWidget;"
        " const k = w && w.sessionContext && w.sessionContext.session"
        " && w.sessionContext.session.kernel; return !!k && k.status === 'idle'; }"
    )


def open_and_run(page, path: str) -> None:
    page.evaluate("(path) => window.jupyterapp.commands.execute('docmanager:open', {path})", path)
    page.wait_for_selector(".jp-Notebook", state="visible")
    deadline = time.monotonic() + 120
    while not _kernel_idle(page):
        dialog = page.locator(".jp-Dialog")
        if dialog.count() and dialog.first.is_visible():  # choose a kernel: the default
            dialog.locator(".jp-Dialog-button.jp-mod-accept").first.click()
        assert time.monotonic() < deadline, "the notebook's kernel did not start"
        time.sleep(0.5)
    for attempt in range(2):  # a run-all right at kernel start can be dropped: once more
        page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
        try:
            page.wait_for_selector(OPTION_BUTTONS, timeout=90_000)
            page.wait_for_selector(".tk-rating .tk-rate-quality", timeout=60_000)
            return
        except Exception:
            if attempt:
                raise


def answer_questions(page, plan: dict, spec: dict) -> None:
    for qid, value in plan["answers"].items():
        q = spec["questions"][qid]
        box = page.locator(".tk-answer").filter(
            has=page.locator(".tk-answer-question", has_text=q["text"])
        )
        assert box.count() == 1, f"question {qid} not found once on the page"
        if q.get("options") is None:
            box.locator("textarea").fill(value)
            box.locator("textarea").press("Tab")
        elif isinstance(value, list):
            boxes = box.locator("input[type=checkbox]")
            for i in range(boxes.count()):
                if (i in value) != boxes.nth(i).is_checked():
                    boxes.nth(i).click()
        else:
            box.locator(f"input[type=radio][value='{value}']").click()
        box.locator(".tk-answer-status", has_text="Saved").wait_for()


# the role-play's option buttons: the button has the class, or sits inside an element that has it
OPTION_BUTTONS = ".tk-roleplay button.tk-option, .tk-roleplay .tk-option button"


def play_roleplay(page, plan: dict, spec: dict) -> None:
    """Click, turn by turn, the option button whose words are the planned option's."""
    from trustkit.engine import Encounter

    rp = spec["roleplay"]
    enc = Encounter(rp["scenario"], mode=rp["mode"])
    buttons = page.locator(OPTION_BUTTONS)
    for step in plan["path"]:
        wanted = {o.id: o.text for o in enc.options}
        page.wait_for_function(
            "([sel, want]) => { const have = [...document.querySelectorAll(sel)]"
            ".map(e => e.innerText.trim()).sort();"
            " return JSON.stringify(have) === JSON.stringify([...want].sort()); }",
            arg=[OPTION_BUTTONS, [t.strip() for t in wanted.values()]],
        )
        target = buttons.filter(has_text=re.compile(rf"^\s*{re.escape(wanted[step].strip())}\s*$"))
        assert target.count() == 1, f"option {step!r} is not one button on the page"
        target.click()
        enc.step(step)
    assert enc.finished
    page.wait_for_function(
        "(sel) => !document.querySelector(sel) && /Debrief/.test("
        "(document.querySelector('.tk-roleplay .tk-debrief') || {}).innerText || '')",
        arg=OPTION_BUTTONS,
    )


def rate_replies(page, plan: dict) -> None:
    panel = page.locator(".tk-rating")
    items = list(plan["ratings"])
    for i, item in enumerate(items):
        panel.locator(".tk-rating-header", has_text=f"Reply {i + 1} of {len(items)}").wait_for()
        panel.locator(f".tk-rate-quality button[data-value='{plan['ratings'][item]}']").click()
        page.wait_for_function(
            "(v) => { const b = document.querySelector("
            "`.tk-rating .tk-rate-quality button[data-value='${v}']`);"
            " return b && b.classList.contains('mod-active'); }",
            arg=str(plan["ratings"][item]),
        )
        if i + 1 < len(items):
            panel.locator("button.tk-next").click()


def write_reflection(page, text: str) -> None:
    cell = page.locator(".jp-MarkdownCell", has_text="YOUR ANSWER HERE")
    cell.scroll_into_view_if_needed()
    cell.dblclick()
    editor = cell.locator(".cm-content")
    editor.click()
    page.keyboard.press("Control+A")
    page.keyboard.type(text)
    page.keyboard.press("Shift+Enter")
    page.locator(".jp-MarkdownCell", has_text=text[:40]).wait_for()


def save_notebook(page) -> None:
    page.evaluate("() => window.jupyterapp.commands.execute('docmanager:save')")
    page.wait_for_function(
        "() => { const w = window.jupyterapp.shell.currentWidget;"
        " return w && w.context && !w.context.model.dirty; }"
    )


def student_works(page, hub: dict, student: str, plan: dict, spec: dict) -> None:
    from trustkit import work

    assignments_tab(page)
    assignment_button(page, "released_assignments_list", "Fetch").click()
    assignment_button(page, "fetched_assignments_list", "Submit").wait_for()
    open_and_run(page, f"{PS}/{PS}.ipynb")
    answer_questions(page, plan, spec)
    play_roleplay(page, plan, spec)
    rate_replies(page, plan)
    write_reflection(page, plan["reflection"])
    save_notebook(page)
    _shot(page, f"{student}-worked")
    # what the widgets saved is what was clicked (the grade is checked later, by nbgrader's run)
    folder = Path(pwd.getpwnam(student).pw_dir) / PS
    rated = work.peek(spec["ratings"]["key"], "ratings", folder).data or {}
    assert {i: r["quality"] for i, r in rated.get("ratings", {}).items()} == plan["ratings"]
    assignments_tab(page)
    assignment_button(page, "fetched_assignments_list", "Submit").click()
    assignment_button(page, "submitted_assignments_list", "Fetch Feedback").first.wait_for()


def _status(page, url: str) -> int:
    return page.request.get(url).status


def check_isolation(page, hub: dict, student: str, other: str) -> None:
    """A student has no formgrader, and no way into another's server, files, or the course."""
    url = hub["url"]
    assert _status(page, f"{url}/user/{student}/formgrader") == 404
    assert _status(page, f"{url}/user/{student}/formgrader/api/status") == 404
    assert not page.evaluate(
        "() => window.jupyterapp.commands.hasCommand('nbgrader:open-formgrader')"
    ), "the formgrader lab extension is on for a student"
    for path in (
        f"/user/{INSTRUCTOR}/formgrader/manage_assignments",
        f"/user/{INSTRUCTOR}/formgrader/api/submitted_notebooks/{PS}/{PS}",
        f"/user/{other}/lab",
        f"/user/{other}/api/contents/{PS}",
        f"/user/{other}/files/{PS}/{PS}.ipynb",
        f"/hub/api/users/{other}",
    ):
        # the hub refuses (403 once the other server runs, 404 from the hub before that)
        reply = page.request.get(url + path)
        assert reply.status in (403, 404), (path, reply.status)
        body = reply.text()
        assert "jupyter-config-data" not in body and '"cells"' not in body, path
    # and on the disk, from the student's own terminal (each path exists: checked as root)
    other_home = pwd.getpwnam(other).pw_dir
    course = Path(pwd.getpwnam(INSTRUCTOR).pw_dir) / "trustkit"
    targets = {
        "read": [
            f"{other_home}/{PS}/{PS}.ipynb",
            f"{course}/gradebook.db",
            f"{course}/solutions/{PS}/{PS}.ipynb",
        ],
        "list": [f"{other_home}/{PS}/trustkit-work", f"{hub['exchange']}/trustkit/inbound"],
    }
    for path in targets["read"] + targets["list"]:
        assert Path(path).exists(), f"{path} should exist for this check to mean anything"
    probes = [f'head -c1 "{t}" >/dev/null 2>&1; echo "RC=$?:{t}"' for t in targets["read"]]
    probes += [f'ls "{t}" >/dev/null 2>&1; echo "RC=$?:{t}"' for t in targets["list"]]
    out = terminal(page, hub, student, "; ".join(probes))
    for t in targets["read"] + targets["list"]:
        assert f"RC=0:{t}" not in out and f":{t}" in out, (
            f"{student} could read {t}:\n{out[-2000:]}"
        )


def _mark_saved(page, grades_url: str, points: float, seconds: float = 15) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        grades = page.request.get(grades_url).json()
        mark = next(g for g in grades if g["name"] == "ps01-reflection")
        if mark["manual_score"] == points and not mark["needs_manual_grade"]:
            return True
        time.sleep(0.5)
    return False


def grade_reflections(page, hub: dict) -> None:
    """In formgrader, in its own tab: each student's reflection, marked by hand."""
    fg = f"{hub['url']}/user/{INSTRUCTOR}/formgrader"
    listing = page.request.get(f"{fg}/api/submitted_notebooks/{PS}/{PS}")
    assert listing.ok, listing.status
    submissions = {s["student"]: s["id"] for s in listing.json()}
    assert set(submissions) == set(STUDENTS), submissions
    for student, sub_id in submissions.items():
        page.goto(f"{fg}/submissions/{sub_id}/")
        body = page.locator("body")
        assert REFLECTION[student][:50] in body.inner_text(), f"{student}'s own reflection"
        other = next(s for s in STUDENTS if s != student)
        assert REFLECTION[other][:50] not in body.inner_text()
        # formgrader binds its score inputs once the page's grades have loaded
        page.wait_for_function(
            "() => window.formgrader && formgrader.grades && formgrader.grades.loaded"
            " && formgrader.comments && formgrader.comments.loaded"
        )
        score = page.locator("input.score#ps01-reflection")
        saved = False
        for _attempt in range(3):  # type the mark and leave the field: formgrader saves it
            score.fill("")
            score.fill(str(MANUAL[student]))
            score.press("Tab")
            saved = _mark_saved(page, f"{fg}/api/grades?submission_id={sub_id}", MANUAL[student])
            if saved:
                break
        assert saved, f"formgrader did not save {student}'s mark"
        _shot(page, f"formgrader-{student}")


def feedback_folder(page, hub: dict, student: str) -> str:
    """The timestamped folder ``Fetch Feedback`` made in the student's assignment folder."""
    listing = f"{hub['url']}/user/{student}/api/contents/{PS}/feedback"
    deadline = time.monotonic() + 60
    while True:
        reply = page.request.get(listing)
        if reply.ok and reply.json()["content"]:
            return reply.json()["content"][0]["name"]
        assert time.monotonic() < deadline, f"{student} got no feedback folder"
        time.sleep(1)


def gradebook_cells(course: Path) -> dict[str, dict[str, float]]:
    from nbgrader.api import Gradebook

    out: dict[str, dict[str, float]] = {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        for sub in gb.find_assignment(PS).submissions:
            out[sub.student.id] = {
                g.name: float(g.score) for nb in sub.notebooks for g in nb.grades
            }
    return out


# ---------------------------------------------------------------------------------------------
def test_a_class_on_jupyterhub(hub: dict, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    timer: Timer = hub["timer"]
    course = Path(pwd.getpwnam(INSTRUCTOR).pw_dir) / "trustkit"
    spec = assignment_spec(course)
    plans = {s: plan_for(s, spec) for s in STUDENTS}
    expected = {s: expected_grades(plans[s], spec, tmp_path / s) for s in STUDENTS}
    manual_ids = [gid for gid, g in spec["grades"].items() if not g["call"]]
    assert manual_ids == ["ps01-reflection"], manual_ids
    totals = {s: round(sum(expected[s].values()) + MANUAL[s], 2) for s in STUDENTS}
    assert totals[STUDENTS[0]] != totals[STUDENTS[1]], "the plans must earn different grades"
    pages: dict = {}

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            # everybody logs in at once: the hub starts the three servers side by side
            for user in (INSTRUCTOR, *STUDENTS):
                pages[user] = login(browser, hub, user)
            teacher = pages[INSTRUCTOR]
            wait_for_lab(teacher, INSTRUCTOR)
            timer.mark("instructor's JupyterLab open")
            run_doc_block(teacher, hub, INSTRUCTOR, "release")
            timer.mark("released (docs: generate_assignment, release_assignment)")

            for student in STUDENTS:
                page = pages[student]
                wait_for_lab(page, student)
                student_works(page, hub, student, plans[student], spec)
                timer.mark(f"{student} fetched, worked and submitted in the browser")

            # a forged submission: tk-student2 hands in their work under tk-student1's name
            terminal(
                pages[STUDENTS[1]],
                hub,
                STUDENTS[1],
                f"nbgrader submit {PS} --student={STUDENTS[0]}",
            )
            check_isolation(pages[STUDENTS[0]], hub, STUDENTS[0], STUDENTS[1])
            check_isolation(pages[STUDENTS[1]], hub, STUDENTS[1], STUDENTS[0])
            timer.mark("forged submission made; isolation checked")

            out = run_doc_block(teacher, hub, INSTRUCTOR, "grade", timeout=1200)
            assert "not collected" in out and f"belongs to the account {STUDENTS[1]}" in out, out
            timer.mark("collected and graded (docs: nbgrader collect, trustkit grade)")

            cells = gradebook_cells(course)
            assert set(cells) == set(STUDENTS), f"students in the gradebook: {sorted(cells)}"
            for student in STUDENTS:
                auto = {k: v for k, v in cells[student].items() if k not in manual_ids}
                assert auto == pytest.approx(expected[student]), (student, auto, expected[student])

            # formgrader is the instructor's: in JupyterLab's menu, and in a tab of its own (the
            # hub's CSP forbids the frame JupyterLab would show it in, docs: known limits)
            assert teacher.evaluate(
                "() => window.jupyterapp.commands.hasCommand('nbgrader:open-formgrader')"
            )
            formgrader = teacher.context.new_page()
            fg = f"{hub['url']}/user/{INSTRUCTOR}/formgrader"
            manage = formgrader.request.get(f"{fg}/manage_assignments")
            assert manage.ok, manage.status
            csp = manage.headers.get("content-security-policy", "")
            assert "frame-ancestors 'none'" in csp, csp
            listed = {a["name"]: a for a in formgrader.request.get(f"{fg}/api/assignments").json()}
            assert listed[PS]["status"] == "released" and listed[PS]["num_submissions"] == 2, listed
            grade_reflections(formgrader, hub)
            timer.mark("reflections marked in formgrader")

            run_doc_block(teacher, hub, INSTRUCTOR, "feedback")
            run_doc_block(teacher, hub, INSTRUCTOR, "export")
            timer.mark("feedback released, grades exported (docs)")

            exports = {
                "canvas": (course / "grades-canvas.csv", "SIS Login ID"),
                "moodle": (course / "grades-moodle.csv", "Username"),
            }
            for platform, (path, id_column) in exports.items():
                table = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
                rows = [r for r in table if r[id_column]]
                got = {r[id_column]: float(r[PS]) for r in rows}
                assert got == pytest.approx(totals), (platform, got, totals)
                shutil.copy(path, ARTIFACTS / path.name)

            for student in STUDENTS:
                page = pages[student]
                assignments_tab(page)
                # (tk-student2 lists two submissions: their own and the forged one)
                assignment_button(
                    page, "submitted_assignments_list", "Fetch Feedback"
                ).first.click()
                stamp = feedback_folder(page, hub, student)
                page.goto(f"{hub['url']}/user/{student}/files/{PS}/feedback/{stamp}/{PS}.html")
                text = page.locator("body").inner_text()
                _shot(page, f"{student}-feedback")
                score = re.search(r"\(Score: ([\d.]+) / ([\d.]+)\)", text)
                assert score, text[:500]
                assert float(score.group(1)) == pytest.approx(totals[student], abs=0.01)
                assert REFLECTION[student][:50] in text
                assert all(REFLECTION[s][:50] not in text for s in STUDENTS if s != student)
                assert "HIDDEN TESTS" not in text and "score_answer" not in text
            timer.mark("each student read their own feedback")
        except Exception:
            for user, page in pages.items():
                _shot(page, f"99-failure-{user}")
            raise
        finally:
            browser.close()

    total = time.monotonic() - timer.start
    (ARTIFACTS / "timing.json").write_text(
        json.dumps({"seconds": round(total, 1), "steps": timer.steps}, indent=2), encoding="utf-8"
    )
    print(f"\nhub test: {total:.0f} s from account creation to feedback (printed, not asserted)")

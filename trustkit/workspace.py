"""The learner's own copy of the course, and the JupyterLab that ``trustkit lab`` starts on it.

- :func:`sync` creates the learner's course folder (``~/trustkit-course`` unless they name
  another) on the first run by copying the lessons, and on later runs adds what is new: a
  lesson the course gained, or a *new version* of a lesson, saved beside the learner's copy as
  ``<lesson>.updated-<date>.ipynb``. A file in the learner's folder is never overwritten. What
  was copied from which version is kept in ``.trustkit-course.json`` in that folder. The
  tracked ``course/`` files are only ever read, so learning never changes them (and ``git
  pull`` never conflicts with a learner's outputs).
- :func:`lab_command` builds the JupyterLab command line: the learner's folder as the root, no
  instructor tools (nbgrader's lab extensions are disabled unless ``instructor``), no news or
  update pop-ups, and :func:`pre_save_hook` on every save.
- :func:`pre_save_hook` saves a notebook without the views of the course widgets whose plain
  snapshot sits right after them (:class:`trustkit.widgets._common.CourseWidget`): a lesson
  reopened later shows the learner's work as text until its cell is run again, never "Error
  displaying widget: model not found". The notebook open in the browser keeps its live widgets.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from trustkit.errors import TrustkitError

DEFAULT_FOLDER = "~/trustkit-course"
"""The learner's course folder unless they name another (or set ``$TRUSTKIT_COURSE``)."""

MANIFEST = ".trustkit-course.json"
START = "00-welcome.ipynb"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"

# nbgrader's JupyterLab plugins. A self-learner needs none of them: Create Assignment and
# Formgrader are instructor tools, and the assignment and course lists need a class exchange.
NBGRADER_PLUGINS = (
    "@jupyter/nbgrader:create-assignment",
    "@jupyter/nbgrader:formgrader",
    "@jupyter/nbgrader:course-list",
    "@jupyter/nbgrader:assignment-list",
    "@jupyter/nbgrader:validate-assignment",
    "@jupyter/nbgrader:menu",
)
NBGRADER_SERVER_EXTENSIONS = (
    "nbgrader.server_extensions.formgrader",
    "nbgrader.server_extensions.assignment_list",
    "nbgrader.server_extensions.course_list",
    "nbgrader.server_extensions.validate_assignment",
)
QUIET_SETTINGS = {
    # no "Would you like to receive official Jupyter news?" and no update checks
    "@jupyterlab/apputils-extension:notification": {
        "fetchNews": "false",
        "checkForUpdates": False,
    }
}


# ---------------------------------------------------------------------------------------------
# where things are
# ---------------------------------------------------------------------------------------------
def source_course() -> Path:
    """The course shipped with trustkit: ./course when run from the repository, else the
    ``course/`` folder next to the package."""
    here = Path.cwd() / "course"
    if (here / START).is_file():
        return here
    repo = Path(__file__).resolve().parent.parent / "course"
    if repo.is_dir():
        return repo
    raise TrustkitError("cannot find the course's lessons (a course/ folder); run from the repo.")


def learner_folder(name: str | os.PathLike[str] | None = None) -> Path:
    """The learner's course folder: ``name``, else ``$TRUSTKIT_COURSE``, else ~/trustkit-course."""
    chosen = name or os.environ.get("TRUSTKIT_COURSE") or DEFAULT_FOLDER
    return Path(chosen).expanduser().resolve()


def trustkit_home() -> Path:
    home = os.environ.get("TRUSTKIT_HOME")
    return Path(home).expanduser() if home else Path.home() / ".trustkit"


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# ---------------------------------------------------------------------------------------------
# the learner's copy
# ---------------------------------------------------------------------------------------------
@dataclass
class SyncReport:
    """What :func:`sync` did, for the message the learner reads."""

    folder: Path
    created: bool = False
    added: list[str] = field(default_factory=list)
    restored: list[str] = field(default_factory=list)
    updated: list[tuple[str, str]] = field(default_factory=list)  # (lesson, new file beside it)

    def lines(self) -> list[str]:
        out = []
        if self.created:
            out.append(
                f"Created your own copy of the course in {self.folder} ({len(self.added)} "
                "lessons). Your work is saved there; the course files in the repository are "
                "never changed."
            )
        elif self.added:
            out.append("New lessons added to your course folder: " + ", ".join(self.added) + ".")
        if self.restored:
            out.append("Lessons that were missing, added back: " + ", ".join(self.restored) + ".")
        for lesson, beside in self.updated:
            out.append(
                f"A new version of {lesson} was added beside your copy as {beside}; your copy "
                "(and your work in it) is untouched."
            )
        if not out:
            out.append(f"Your course folder: {self.folder} (up to date).")
        return out


def _refuse_tracked(folder: Path, source: Path) -> None:
    src = source.resolve()
    if folder == src or folder == src.parent or src.is_relative_to(folder):
        raise TrustkitError(
            f"{folder} holds the course's own files; choose a folder of your own for your "
            f"copy (the default is {DEFAULT_FOLDER})."
        )


def _read_manifest(folder: Path) -> dict[str, Any]:
    path = folder / MANIFEST
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {"lessons": {}}
    except (OSError, ValueError):
        # unreadable: start a new record, keeping the old one (never lose a file)
        path.replace(path.with_name(f"{MANIFEST}.unreadable"))
        return {"lessons": {}}
    if not isinstance(data, dict) or not isinstance(data.get("lessons"), dict):
        return {"lessons": {}}
    return data


def _beside(folder: Path, lesson: str, today: date) -> Path:
    stem = lesson.removesuffix(".ipynb")
    for n in range(1, 1000):
        suffix = "" if n == 1 else f"-{n}"
        candidate = folder / f"{stem}.updated-{today.isoformat()}{suffix}.ipynb"
        if not candidate.exists():
            return candidate
    raise TrustkitError(f"{folder}: too many updated copies of {lesson}; tidy up first.")


def _copy_new(src: Path, dest: Path) -> None:
    """Copy ``src`` to ``dest``, which must not exist (``x`` mode: never overwrite)."""
    data = src.read_bytes()
    with open(dest, "xb") as fh:
        fh.write(data)


def sync(folder: Path, source: Path | None = None, *, today: date | None = None) -> SyncReport:
    """Create or update the learner's course folder from the shipped lessons (never
    overwriting a file there); see the module docstring."""
    from trustkit.work import atomic_write_text

    source = source or source_course()
    _refuse_tracked(folder, source)
    today = today or date.today()
    report = SyncReport(folder)
    try:
        if folder.exists() and not folder.is_dir():
            raise TrustkitError(f"{folder} is a file, not a folder; name a folder.")
        report.created = not (folder / MANIFEST).exists()
        folder.mkdir(parents=True, exist_ok=True)
        manifest = _read_manifest(folder)
        lessons: dict[str, Any] = manifest["lessons"]
        for src in sorted(source.glob("*.ipynb")):
            name, digest = src.name, _sha256(src)
            entry = lessons.get(name)
            dest = folder / name
            if entry is None:
                if dest.exists():  # a file of the learner's with that name: keep it
                    if _sha256(dest) != digest:
                        beside = _beside(folder, name, today)
                        _copy_new(src, beside)
                        report.updated.append((name, beside.name))
                else:
                    _copy_new(src, dest)
                    report.added.append(name)
                lessons[name] = {"sha256": digest, "copied": today.isoformat()}
            elif entry.get("sha256") != digest:
                beside = _beside(folder, name, today)
                _copy_new(src, beside)
                report.updated.append((name, beside.name))
                lessons[name] = {"sha256": digest, "copied": today.isoformat()}
            elif not dest.exists():
                _copy_new(src, dest)
                report.restored.append(name)
        manifest["source"] = str(source)
        atomic_write_text(folder / MANIFEST, json.dumps(manifest, indent=1, sort_keys=True))
    except OSError as exc:
        raise TrustkitError(
            f"{folder}: your course folder could not be set up ({exc.strerror or exc})."
        ) from None
    return report


# ---------------------------------------------------------------------------------------------
# JupyterLab
# ---------------------------------------------------------------------------------------------
def _default_app_settings() -> Path:
    app_dir = os.environ.get("JUPYTERLAB_DIR") or str(Path(sys.prefix) / "share/jupyter/lab")
    return Path(app_dir) / "settings"


def lab_settings(instructor: bool = False) -> Path:
    """A JupyterLab app-settings folder for ``trustkit lab`` (rewritten on every start): the
    default one's files, plus no news or update pop-ups, plus - for a learner - nbgrader's
    plugins disabled."""
    from trustkit.work import atomic_write_text

    folder = trustkit_home() / "lab" / ("instructor" if instructor else "learner")
    default = _default_app_settings()
    page: dict[str, Any] = {}
    overrides: dict[str, Any] = {}
    for name, target in (("page_config.json", page), ("overrides.json", overrides)):
        try:
            target.update(json.loads((default / name).read_text(encoding="utf-8")))
        except (OSError, ValueError):
            pass
    disabled = page.get("disabledExtensions") or []
    if isinstance(disabled, dict):
        disabled = [k for k, v in disabled.items() if v]
    if not instructor:
        disabled = sorted({*disabled, *NBGRADER_PLUGINS})
    page["disabledExtensions"] = list(disabled)
    for plugin, settings in QUIET_SETTINGS.items():
        overrides[plugin] = {**overrides.get(plugin, {}), **settings}
    try:
        folder.mkdir(parents=True, exist_ok=True)
        atomic_write_text(folder / "page_config.json", json.dumps(page, indent=1))
        atomic_write_text(folder / "overrides.json", json.dumps(overrides, indent=1))
    except OSError as exc:
        raise TrustkitError(f"{folder}: the lab's settings could not be written ({exc}).") from None
    return folder


def lab_command(
    root: Path,
    *,
    port: int = 8888,
    no_browser: bool = False,
    instructor: bool = False,
    settings: Path | None = None,
) -> list[str]:
    """The ``python -m jupyterlab ...`` command that ``trustkit lab`` runs."""
    cmd = [
        sys.executable,
        "-m",
        "jupyterlab",
        f"--ServerApp.root_dir={root}",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        f"--LabApp.app_settings_dir={settings or lab_settings(instructor)}",
        "--LabApp.news_url=None",
        "--LabApp.check_for_updates_class=jupyterlab.handlers.announcements.NeverCheckForUpdate",
        "--ContentsManager.pre_save_hook=trustkit.workspace.pre_save_hook",
    ]
    if not instructor:  # their server parts too (the formgrader's logs a false alarm)
        cmd += [f"--ServerApp.jpserver_extensions={e}=False" for e in NBGRADER_SERVER_EXTENSIONS]
    if no_browser:
        cmd.append("--no-browser")
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")  # JupyterLab refuses root without it (CI runs as root)
    if (root / START).exists():
        cmd.append(f"--LabApp.default_url=/lab/tree/{START}")
    return cmd


# ---------------------------------------------------------------------------------------------
# saving a notebook
# ---------------------------------------------------------------------------------------------
def _is_snapshot(output: Any) -> bool:
    meta = output.get("metadata") if isinstance(output, dict) else None
    return isinstance(meta, dict) and bool((meta.get("trustkit") or {}).get("snapshot"))


def strip_widget_views(nb: Any) -> int:
    """Drop, from every code cell that holds a course widget's snapshot, the widget views
    (outputs carrying ``application/vnd.jupyter.widget-view+json``); the number dropped.

    A widget view saved without its widget state can only ever show "Error displaying
    widget: model not found" once the kernel is gone; the snapshot next to it reads well."""
    dropped = 0
    for cell in nb.get("cells", []) if isinstance(nb, dict) else []:
        outputs = cell.get("outputs") if isinstance(cell, dict) else None
        if not isinstance(outputs, list) or not any(_is_snapshot(o) for o in outputs):
            continue
        kept = [
            o for o in outputs if not (isinstance(o, dict) and WIDGET_VIEW in (o.get("data") or {}))
        ]
        dropped += len(outputs) - len(kept)
        outputs[:] = kept
    return dropped


def pre_save_hook(model: dict[str, Any], **_kwargs: Any) -> None:
    """Jupyter's ``ContentsManager.pre_save_hook``: notebooks are saved without the course
    widgets' views (see :func:`strip_widget_views`). Never raises: a save must not fail."""
    if not isinstance(model, dict) or model.get("type") != "notebook":
        return
    try:
        strip_widget_views(model.get("content"))
    except Exception:  # the learner's save matters more than the tidy-up
        pass

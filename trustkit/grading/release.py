"""``make release``: regenerate ``exercises/`` from ``solutions/`` and register the assignments.

Usage::

    python -m trustkit.grading.release              # exercises/ + the course gradebook
    python -m trustkit.grading.release --no-register  # exercises/ only
    python -m trustkit.grading.release --out DIR    # write the release into DIR (no gradebook)
    python -m trustkit.grading.release --check      # exit 1 if exercises/ is out of date

The course is the folder holding ``nbgrader_config.py`` and ``solutions/``: ``--course-dir``,
else the current folder if it is one, else this checkout. nbgrader's ``generate_assignment``
runs in a *temporary copy* of the course (its ``nbgrader_config.py`` and ``solutions/``), so no
nbgrader folders land in the course; the assignments, notebooks and test cells are recorded in
the course's own gradebook (``gradebook.db`` beside ``nbgrader_config.py``, or
``TRUSTKIT_DB_URL``), exactly as ``nbgrader generate_assignment`` records them, so ``nbgrader
autograde`` and ``trustkit grade`` work straight after. Saved work (``trustkit-work/``),
checkpoints and caches in ``solutions/`` are never copied, so an instructor's own test run
cannot leak into the student version; and nothing in ``exercises/`` that is not part of the
release (a ``trustkit-work/`` folder of someone who tried an exercise there) is ever deleted.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

from trustkit.errors import TrustkitError

REPO = Path(__file__).resolve().parents[2]
SKIP = {"trustkit-work", ".ipynb_checkpoints", "__pycache__", "gradebook.db"}
KEEP = {"trustkit-work", ".ipynb_checkpoints"}
"""Never removed from ``exercises/<ps>/``: someone's saved work, Jupyter's checkpoints."""


def course_root(course_dir: str | Path | None = None) -> Path:
    """The course to release: ``course_dir``, else the current folder if it is a course (it
    holds ``nbgrader_config.py`` and ``solutions/``), else this checkout."""
    if course_dir is not None:
        root = Path(course_dir).resolve()
        if not (root / "nbgrader_config.py").is_file():
            raise TrustkitError(f"{root}: no nbgrader_config.py here, so this is not a course.")
        return root
    here = Path.cwd()
    if (here / "nbgrader_config.py").is_file() and (here / "solutions").is_dir():
        return here.resolve()
    return REPO


def assignments(repo: Path = REPO) -> list[str]:
    """The assignment folders in ``solutions/`` (each holds one notebook named like it)."""
    source = repo / "solutions"
    if not source.is_dir():
        raise TrustkitError(f"{source}: no solutions folder, nothing to release.")
    return sorted(p.name for p in source.iterdir() if p.is_dir() and not p.name.startswith("."))


def _ignore(_folder: str, names: list[str]) -> set[str]:
    return {n for n in names if n in SKIP or n.endswith((".pyc", ".db")) or ".corrupt-" in n}


def prepare_course(dest: Path, repo: Path = REPO) -> Path:
    """Copy ``nbgrader_config.py`` and ``solutions/`` (without saved work) into ``dest``."""
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copy2(repo / "nbgrader_config.py", dest / "nbgrader_config.py")
    shutil.copytree(repo / "solutions", dest / "solutions", ignore=_ignore, dirs_exist_ok=True)
    return dest


def _ensure_tools_on_path() -> None:
    """nbgrader runs ``alembic`` by name: put this interpreter's bin folder first on PATH."""
    bindir = str(Path(sys.executable).parent)
    parts = os.environ.get("PATH", "").split(os.pathsep)
    if parts[0] != bindir:
        os.environ["PATH"] = os.pathsep.join([bindir, *parts])


def course_config(course: Path, db_url: str | None = None) -> Any:
    """The course's nbgrader config (its ``nbgrader_config.py``), rooted at ``course``."""
    from traitlets.config.loader import PyFileConfigLoader

    cfg = PyFileConfigLoader("nbgrader_config.py", path=str(course)).load_config()
    cfg.CourseDirectory.root = str(course)
    cfg.CourseDirectory.db_url = db_url or f"sqlite:///{course / 'gradebook.db'}"
    # the exchange is not needed to generate; keep nbgrader away from /srv/nbgrader/exchange
    cfg.Exchange.root = str(course / "exchange")
    return cfg


def generate_into(course: Path, names: list[str], db_url: str | None = None) -> Path:
    """Run nbgrader generate_assignment for ``names`` in ``course``; return its release folder.

    ``db_url``: the gradebook to record the assignments in (default: a throw-away one inside
    ``course``).
    """
    import logging

    _ensure_tools_on_path()
    from nbgrader.apps import NbGraderAPI

    (course / "exchange").mkdir(exist_ok=True)
    api = NbGraderAPI(config=course_config(course, db_url))
    api.log.setLevel(logging.ERROR)
    for name in names:
        result = api.generate_assignment(name, force=True, create=True)
        if not result.get("success"):
            detail = (result.get("error") or result.get("log") or "").strip().splitlines()
            detail = [d for d in detail if d.strip() and not d.startswith((" ", "Traceback"))]
            tail = detail[-1] if detail else "no details"
            raise TrustkitError(f"solutions/{name}: nbgrader generate_assignment failed ({tail}).")
    return course / "exercises"


def _clear(folder: Path) -> list[str]:
    """Remove the release output in ``folder``, keeping ``KEEP`` (and moved-aside files);
    return the names kept."""
    kept = []
    for old in folder.iterdir():
        if old.name in KEEP or ".corrupt-" in old.name:
            kept.append(old.name)
        elif old.is_dir() and not old.is_symlink():
            shutil.rmtree(old)
        else:
            old.unlink()
    return sorted(kept)


def generate(
    out: Path, repo: Path = REPO, db_url: str | None = None, warn: Any = None
) -> list[str]:
    """Generate the release of every assignment into ``out``; record it in ``db_url`` (a
    gradebook) if given. ``warn(line)`` hears about saved work found in ``out``."""
    names = assignments(repo)
    with tempfile.TemporaryDirectory(prefix="trustkit-release-") as tmp:
        course = prepare_course(Path(tmp) / "course", repo)
        released = generate_into(course, names, db_url)
        out.mkdir(parents=True, exist_ok=True)
        for old in sorted(out.iterdir()):
            if old.is_dir() and old.name not in names:
                kept = _clear(old)
                if not kept:
                    old.rmdir()
                elif warn:
                    warn(f"{old}: no longer an assignment; kept {', '.join(kept)} in it.")
        for name in names:
            target = out / name
            kept = _clear(target) if target.is_dir() else []
            shutil.copytree(released / name, target, ignore=_ignore, dirs_exist_ok=True)
            if "trustkit-work" in kept and warn:
                warn(
                    f"{target / 'trustkit-work'}: someone's saved work, kept; move it out "
                    "before `nbgrader release_assignment`, which would hand it to the students."
                )
    return names


def course_db_url(course: Path) -> str:
    """The course's gradebook, as nbgrader would open it (its config's, else gradebook.db)."""
    from trustkit.grading.parallel import _db_url

    return _db_url(course, None)


def normalised(path: Path) -> Any:
    """A notebook's JSON with volatile parts dropped, for comparing two generations."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    for cell in nb.get("cells", []):
        cell.pop("execution_count", None)
        if "outputs" in cell:
            cell["outputs"] = []
        if isinstance(cell.get("source"), list):
            cell["source"] = "".join(cell["source"])
    return nb


def snapshot(folder: Path) -> dict[str, Any]:
    """Every file under ``folder``: notebooks normalised, other files as text or bytes."""
    out: dict[str, Any] = {}
    if not folder.is_dir():
        return out
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        rel = path.relative_to(folder).as_posix()
        if any(part in SKIP for part in path.relative_to(folder).parts):
            continue
        out[rel] = normalised(path) if path.suffix == ".ipynb" else path.read_bytes()
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m trustkit.grading.release",
        description="Regenerate exercises/ from solutions/ with nbgrader generate_assignment, "
        "and record the assignments in the course gradebook.",
    )
    parser.add_argument("--course-dir", help="the course (default: here if it is one)")
    parser.add_argument("--out", type=Path, help="write the release here instead of exercises/")
    parser.add_argument(
        "--no-register", action="store_true", help="do not record the assignments in the gradebook"
    )
    parser.add_argument(
        "--check", action="store_true", help="only compare with exercises/; exit 1 if it differs"
    )
    args = parser.parse_args(argv)

    def warn(line: str) -> None:
        print(f"release: {line}", file=sys.stderr)

    try:
        root = course_root(args.course_dir)
        if args.check:
            with tempfile.TemporaryDirectory(prefix="trustkit-check-") as tmp:
                generate(Path(tmp), root)
                fresh, current = snapshot(Path(tmp)), snapshot(root / "exercises")
            if fresh != current:
                stale = sorted(set(fresh) ^ set(current)) or sorted(
                    k for k in fresh if fresh[k] != current.get(k)
                )
                print(f"exercises/ is out of date ({', '.join(stale)}): run `make release`.")
                return 1
            print("exercises/ is up to date.")
            return 0
        out = args.out or (root / "exercises")
        register = not (args.no_register or args.out)
        db_url = course_db_url(root) if register else None
        names = generate(out, root, db_url, warn)
    except TrustkitError as exc:
        print(f"release: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(
            f"release: {getattr(exc, 'filename', '') or ''}: {exc.strerror or exc}.",
            file=sys.stderr,
        )
        return 1
    print(f"released {len(names)} assignments into {out}: {', '.join(names)}")
    if register:
        print(f"recorded them in the gradebook {db_url}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

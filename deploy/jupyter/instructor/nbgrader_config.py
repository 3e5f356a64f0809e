"""nbgrader settings for instructors on the hub: their course, and no forged submissions.

- The course is the instructor's ``~/trustkit`` (``TRUSTKIT_COURSE_DIR``, set by the hub): its
  own ``nbgrader_config.py`` is loaded from wherever nbgrader runs (formgrader, a terminal in
  any folder), so grading always uses the course's settings (the feedback that hides the keys,
  the time limits, the files that travel).
- nbgrader's file-system exchange names the student in the submission's file name, which the
  student chooses (``nbgrader submit --student=someone-else``); stock ``nbgrader collect`` only
  logs a warning when the name and the file's owner differ, and collects it as that other
  student. Here a submission is collected only from the account it names: a forged one is
  left in the exchange with an error naming both accounts, and the named student's own latest
  submission is collected instead.
"""

import glob
import os
import pwd

from nbgrader.exchange.default.collect import ExchangeCollect

c = get_config()  # noqa: F821 - provided by nbgrader's config loader

COURSE = os.environ.get("TRUSTKIT_COURSE_DIR") or os.path.expanduser("~/trustkit")
load_subconfig(os.path.join(COURSE, "nbgrader_config.py"))  # noqa: F821 - traitlets' loader


def _owner(path: str) -> str | None:
    try:
        return pwd.getpwuid(os.stat(path).st_uid).pw_name
    except (KeyError, OSError):
        return None


class OwnerCheckedCollect(ExchangeCollect):
    """``nbgrader collect`` that takes a submission only from the account it names."""

    def init_src(self) -> None:
        super().init_src()
        kept = []
        for record in self.src_records:
            student = record["username"]
            owner = _owner(os.path.join(self.inbound_path, record["filename"]))
            if owner == student:
                kept.append(record)
                continue
            self.log.error(
                "%s claims to be from %s but belongs to the account %s: not collected "
                "(a forged submission; it stays in the exchange as evidence)",
                record["filename"],
                student,
                owner,
            )
            pattern = os.path.join(self.inbound_path, f"{student}+{self.coursedir.assignment_id}+*")
            own = [self._path_to_record(p) for p in glob.glob(pattern) if _owner(p) == student]
            if own:
                kept.append(self._sort_by_timestamp(own)[0])
        self.src_records = kept


c.ExchangeFactory.collect = OwnerCheckedCollect

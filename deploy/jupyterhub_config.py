"""JupyterHub for a trustkit class on one machine (docs/deploy.md walks through it).

- Local accounts: students and instructors log in with their Unix account and password (PAM).
  Who may log in, and who grades, is decided by two Unix groups (below), read at every login
  and every server start, so adding a student is `useradd -G ...`, not a hub restart.
- One process per user, running as that user (LocalProcessSpawner; the hub itself runs as
  root). That is what nbgrader's file-system exchange needs: it takes the account a server runs
  as for the student's identity.
- One shared exchange, ``$TRUSTKIT_HUB_PREFIX/exchange`` (mode 1777, set up by
  ``deploy/setup.sh``), and the course installed once for everyone: the Python environment
  this hub runs from (``pip install .`` of trustkit, with jupyterhub) starts every user's server.
- Formgrader only for instructors: each user's server gets a role folder first on
  ``JUPYTER_CONFIG_PATH`` (``$TRUSTKIT_HUB_PREFIX/jupyter/instructor`` or ``.../student``,
  copied there from ``deploy/jupyter/`` by ``deploy/setup.sh``). The student folder turns the
  formgrader and course-list server extensions and the formgrader / create-assignment lab
  extensions off; the instructor folder points nbgrader at the instructor's course
  (``~/trustkit``) and refuses forged submissions at collect time.

Settings (environment variables of the hub process; the defaults fit ``deploy/setup.sh``'s):

====================================  =====================================================
``TRUSTKIT_HUB_PREFIX``               ``/srv/trustkit``: hub state, exchange, role config
``TRUSTKIT_HUB_URL``                  ``http://:8000``: where the proxy listens
``TRUSTKIT_HUB_API_URL``              ``http://127.0.0.1:8081``: the hub's own API
``TRUSTKIT_PROXY_API_URL``            ``http://127.0.0.1:8001``: the proxy's REST API
``TRUSTKIT_CHP``                      configurable-http-proxy (default: found on PATH)
``TRUSTKIT_INSTRUCTOR_GROUP``         ``trustkit-instructors``
``TRUSTKIT_STUDENT_GROUP``            ``trustkit-students``
``TRUSTKIT_COURSE_ID``                ``trustkit`` (the course id in the exchange)
``TRUSTKIT_COURSE_FOLDER``            ``trustkit``: the course root, in each instructor's home
``TRUSTKIT_HUB_ADMINS``               hub admins, space-separated (default: none)
====================================  =====================================================
"""

import grp
import os
import pwd
import shutil
import sys

c = get_config()  # noqa: F821 - provided by JupyterHub's config loader

PREFIX = os.environ.get("TRUSTKIT_HUB_PREFIX", "/srv/trustkit")
INSTRUCTOR_GROUP = os.environ.get("TRUSTKIT_INSTRUCTOR_GROUP", "trustkit-instructors")
STUDENT_GROUP = os.environ.get("TRUSTKIT_STUDENT_GROUP", "trustkit-students")
COURSE_ID = os.environ.get("TRUSTKIT_COURSE_ID", "trustkit")
COURSE_FOLDER = os.environ.get("TRUSTKIT_COURSE_FOLDER", "trustkit")
EXCHANGE = os.path.join(PREFIX, "exchange")
STATE = os.path.join(PREFIX, "hub")
BIN = os.path.dirname(sys.executable)  # the environment with trustkit, nbgrader, jupyterhub


def members(group: str) -> set[str]:
    """Accounts in a Unix group, as a supplementary or as their primary group."""
    try:
        entry = grp.getgrnam(group)
    except KeyError:
        return set()
    return set(entry.gr_mem) | {p.pw_name for p in pwd.getpwall() if p.pw_gid == entry.gr_gid}


def role(spawner) -> str:
    return "instructor" if spawner.user.name in members(INSTRUCTOR_GROUP) else "student"


def config_path(spawner) -> str:
    return os.pathsep.join(
        [os.path.join(PREFIX, "jupyter", role(spawner)), os.path.join(PREFIX, "jupyter", "common")]
    )


def course_dir(spawner) -> str:
    if role(spawner) != "instructor":
        return ""
    return os.path.join(pwd.getpwnam(spawner.user.name).pw_dir, COURSE_FOLDER)


# -- the hub and its proxy ---------------------------------------------------------------------
c.JupyterHub.bind_url = os.environ.get("TRUSTKIT_HUB_URL", "http://:8000")
c.JupyterHub.hub_bind_url = os.environ.get("TRUSTKIT_HUB_API_URL", "http://127.0.0.1:8081")
c.ConfigurableHTTPProxy.api_url = os.environ.get("TRUSTKIT_PROXY_API_URL", "http://127.0.0.1:8001")
c.ConfigurableHTTPProxy.command = [
    os.environ.get("TRUSTKIT_CHP")
    or shutil.which("configurable-http-proxy")
    or "configurable-http-proxy"
]
c.ConfigurableHTTPProxy.pid_file = os.path.join(STATE, "jupyterhub-proxy.pid")
c.JupyterHub.db_url = "sqlite:///" + os.path.join(STATE, "jupyterhub.sqlite")
c.JupyterHub.cookie_secret_file = os.path.join(STATE, "jupyterhub_cookie_secret")
c.JupyterHub.pid_file = os.path.join(STATE, "jupyterhub.pid")

# -- who may log in ----------------------------------------------------------------------------
c.JupyterHub.authenticator_class = "jupyterhub.auth.PAMAuthenticator"
c.PAMAuthenticator.allowed_groups = {INSTRUCTOR_GROUP, STUDENT_GROUP}
c.Authenticator.admin_users = set(os.environ.get("TRUSTKIT_HUB_ADMINS", "").split())
# Instructors are NOT hub admins: an admin may open every user's server, a grader does not
# need to (submissions arrive through the exchange).

# -- every user's own server, as that user -----------------------------------------------------
c.JupyterHub.spawner_class = "jupyterhub.spawner.LocalProcessSpawner"
c.Spawner.cmd = [os.path.join(BIN, "jupyterhub-singleuser")]
c.Spawner.default_url = "/lab"
c.Spawner.notebook_dir = "~"
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 120
c.Spawner.environment = {
    # nbgrader runs `alembic` by name; the kernel and `trustkit` come from the same environment
    "PATH": os.pathsep.join([BIN, "/usr/local/bin", "/usr/bin", "/bin"]),
    "JUPYTER_CONFIG_PATH": config_path,
    "TRUSTKIT_ROLE": role,
    "TRUSTKIT_EXCHANGE": EXCHANGE,
    "TRUSTKIT_COURSE_ID": COURSE_ID,
    "TRUSTKIT_COURSE_DIR": course_dir,
}

"""Jupyter Server settings for every account on the hub.

A terminal opened in JupyterLab runs the account's shell as a plain interactive shell, not a
login shell: a login shell reads /etc/profile, which on Debian and Ubuntu resets PATH and so
loses the hub's environment (where `nbgrader`, `trustkit` and `alembic` live).
Notebooks are saved through trustkit's pre-save hook, as under `trustkit lab`.
"""

import os

c = get_config()  # noqa: F821 - provided by Jupyter's config loader

c.ServerApp.terminado_settings = {"shell_command": [os.environ.get("SHELL") or "/bin/sh"]}

# Notebooks are saved without the course widgets' views, so a reopened exercise shows the plain
# saved view of the learner's work instead of "Error displaying widget" (as under trustkit lab).
c.ContentsManager.pre_save_hook = "trustkit.workspace.pre_save_hook"

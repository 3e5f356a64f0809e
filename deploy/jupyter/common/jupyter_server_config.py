"""Jupyter Server settings for every account on the hub.

A terminal opened in JupyterLab runs the account's shell as a plain interactive shell, not a
login shell: a login shell reads /etc/profile, which on Debian and Ubuntu resets PATH and so
loses the hub's environment (where `nbgrader`, `trustkit` and `alembic` live).
"""

import os

c = get_config()  # noqa: F821 - provided by Jupyter's config loader

c.ServerApp.terminado_settings = {"shell_command": [os.environ.get("SHELL") or "/bin/sh"]}

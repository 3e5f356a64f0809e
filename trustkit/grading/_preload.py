"""What ``trustkit grade``'s fork server imports once, so that no worker pays for it again.

Importing nbgrader (with the Jupyter server stack it pulls in) costs seconds of CPU; a worker
forked from a process that has already done so starts at once. Nothing here starts a thread,
an event loop or a connection, so forking from it is safe.
"""

from nbgrader.apps import NbGraderAPI  # noqa: F401
from nbgrader.apps.nbgraderapp import NbGrader  # noqa: F401
from nbgrader.preprocessors import ClearHiddenTests  # noqa: F401
from pebble.pool.process import worker_process  # noqa: F401

from trustkit.grading import cells, checks, parallel, preprocessors, regrade  # noqa: F401

"""What ``trustkit grade``'s fork server imports once, so that no worker pays for it again.

Importing nbgrader (with the Jupyter server stack it pulls in) costs seconds of CPU; a worker
forked from a process that has already done so starts at once. Nothing here starts a thread,
an event loop or a connection, so forking from it is safe.

``rfc3987_syntax`` is kept out: jsonschema (through nbformat) imports it, when installed, only
for its optional ``iri`` format checker, which grading never uses, and that import alone builds
a parser for seconds (python-jsonschema/jsonschema#1392, #1521). Without it jsonschema skips
that one checker, as it is written to.
"""

import sys

sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[assignment]

from nbgrader.apps import NbGraderAPI  # noqa: E402, F401
from nbgrader.apps.nbgraderapp import NbGrader  # noqa: E402, F401
from nbgrader.preprocessors import ClearHiddenTests  # noqa: E402, F401
from pebble.pool.process import worker_process  # noqa: E402, F401

from trustkit.grading import cells, checks, kernels, parallel, preprocessors, regrade  # noqa: E402, F401

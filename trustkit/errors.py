"""The one exception type a user ever sees, as one line of text."""

from __future__ import annotations


class TrustkitError(Exception):
    """A problem in the user's input, worded as one clear sentence naming the file and place.

    The CLI prints ``str(error)`` and exits 1; widgets show it in a message area.
    """

"""Writing files safely: nothing half-written is ever left behind."""

from __future__ import annotations

import os
import tempfile


def write_atomic(path: str, text: str, newline: str = "") -> None:
    """Write ``text`` to ``path`` via a temporary file and a rename, keeping the file's mode."""
    folder = os.path.dirname(os.path.abspath(path))
    try:
        mode = os.stat(path).st_mode & 0o7777
    except FileNotFoundError:
        mode = None
    fd, tmp = tempfile.mkstemp(prefix=".layerlint-", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline=newline) as fh:
            fh.write(text)
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise

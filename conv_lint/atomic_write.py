"""Writing a file atomically: a temporary file in the same folder renamed over it, its mode kept,
refused when the file changed on disk since it was read, and never interrupted halfway."""

from __future__ import annotations

import contextlib
import errno
import os
import signal
import stat
import tempfile
from pathlib import Path


class FileChangedError(Exception):
    """The file on disk is no longer what was read: another program wrote it meanwhile."""


def write_atomic(path: Path, data: bytes, expected: bytes) -> None:
    """Replace ``path`` with ``data`` in one rename, keeping its mode, if it still holds ``expected``."""
    target = path.resolve()  # write through a symlink, never replace the link with a file
    if target.read_bytes() != expected:
        raise FileChangedError(f"{path}: changed on disk during the run; not written")
    mode = stat.S_IMODE(target.stat().st_mode)
    if not mode & 0o222:
        # A rename would replace it anyway: respect the user's "read-only" instead.
        raise PermissionError(errno.EACCES, "the file is read-only")
    # Ctrl-C and SIGTERM wait until the temporary file is renamed into place or removed, so
    # an interruption never leaves one behind (they are delivered right after).
    with _signals_deferred():
        descriptor, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".conv-lint")
        try:
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(temporary, mode)
            os.replace(temporary, target)
        except BaseException:
            os.unlink(temporary)
            raise


@contextlib.contextmanager
def _signals_deferred():
    if not hasattr(signal, "pthread_sigmask"):  # Windows: no signal masks
        yield
        return
    deferred = {signal.SIGINT, signal.SIGTERM}
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, deferred)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)

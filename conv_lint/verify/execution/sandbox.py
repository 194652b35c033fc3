"""What a ``verify --exec`` snippet may not do, enforced inside its own process.

Two layers, installed by ``conv_lint.verify.execution.recorder`` before the snippet (or any framework)
is imported:

* **Landlock** (Linux 5.13+, no privileges needed): the kernel refuses every write, create,
  delete or rename outside the snippet's temporary folder (and ``/dev/null``), for the process
  and everything it starts, native code included. Reads stay allowed: the snippet imports
  TensorFlow and JAX from wherever they are installed.
* **A Python audit hook** (PEP 578), everywhere: refuses opening a file for writing outside the
  folder, removing, renaming, linking and chmod-ing files there, starting processes (``fork``,
  ``subprocess``, ``os.system``, ``exec``, ``spawn``) and signalling other processes, each with
  a ``PermissionError`` naming what was refused. Each refusal is also reported to the parent, so
  a snippet that catches the error and goes on is still reported UNVERIFIABLE.

The audit hook is what names the refusal; Landlock is what holds against code that bypasses
Python (``ctypes``, C extensions) and against what the hook cannot see (the ``open`` event has
no ``dir_fd``, so a relative path opened in another folder's descriptor looks local), where
available. Neither stops reading files or using the
network: the sandbox keeps a snippet from changing your files or leaving processes behind, it
is not a jail for malware.
"""

from __future__ import annotations

import ctypes
import os
import struct
import sys
from collections.abc import Callable

# Process creation and signalling, as the audit events name them (Python's audit events table).
PROCESS_EVENTS = {
    "os.fork": "fork a process",
    "os.forkpty": "fork a process",
    "os.system": "run a shell command",
    "os.exec": "exec a program",
    "os.posix_spawn": "start a process",
    "os.spawn": "start a process",
    "subprocess.Popen": "start a process",
    "os.startfile": "start a program",
}
# Events that change the file system, and which of their arguments are the paths changed.
FILE_EVENTS = {
    "os.remove": (0,),
    "os.rmdir": (0,),
    "os.mkdir": (0,),
    "os.rename": (0, 1),
    "os.link": (1,),
    "os.symlink": (1,),
    "os.chmod": (0,),
    "os.chown": (0,),
    "os.chflags": (0,),
    "os.lchflags": (0,),
    "os.truncate": (0,),
    "os.utime": (0,),
    "os.setxattr": (0,),
    "os.removexattr": (0,),
}
WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND
ALWAYS_WRITABLE = ("/dev/null",)


class Sandbox:
    """The rules for one snippet: ``writable`` folders, ``report(reason)`` told of each refusal."""

    def __init__(self, writable: list[str], report: Callable[[str], None]) -> None:
        self.writable = [os.path.realpath(folder) for folder in writable]
        self.report = report

    def install(self) -> bool:
        """Install both layers; returns whether the kernel layer (Landlock) is in force."""
        landlocked = restrict_writes(self.writable)
        sys.addaudithook(self._audit)
        return landlocked

    def _allowed(self, path) -> bool:
        if isinstance(path, int):  # an open file descriptor: its opening was checked
            return True
        path = os.fsdecode(path)
        real = os.path.realpath(path)
        return real in ALWAYS_WRITABLE or any(real == folder or real.startswith(folder + os.sep) for folder in self.writable)

    def _refuse(self, what: str) -> None:
        reason = f"tried to {what}: refused by the verify --exec sandbox"
        self.report(reason)
        raise PermissionError(reason)

    def _audit(self, event: str, args: tuple) -> None:
        if event == "open":
            path, mode, flags = args
            writing = any(letter in mode for letter in "wax+") if isinstance(mode, str) else bool((flags or 0) & WRITE_FLAGS)
            if writing and path is not None and not self._allowed(path):
                self._refuse(f"write {os.fsdecode(path)} outside its temporary folder")
        elif event in PROCESS_EVENTS:
            command = _command(args)
            self._refuse(PROCESS_EVENTS[event] + (f" ({command})" if command else ""))
        elif event in ("os.kill", "os.killpg"):
            own = (0, os.getpid()) if event == "os.kill" else (0, os.getpgrp())  # itself, or its own group
            if args[0] not in own:
                self._refuse(f"send signal {args[1]} to process {args[0]}")
        elif event in FILE_EVENTS:
            for index in FILE_EVENTS[event]:
                path = args[index] if index < len(args) else None
                if path is not None and not self._allowed(path):
                    self._refuse(f"change {os.fsdecode(path)} ({event}) outside its temporary folder")


def _command(args: tuple) -> str:
    """The program a process event would run, for the refusal's message."""
    for value in args:
        if isinstance(value, (str, bytes)):
            return os.fsdecode(value)
        if isinstance(value, (list, tuple)) and value and isinstance(value[0], (str, bytes)):
            return " ".join(os.fsdecode(item) for item in value)
    return ""


# -- Landlock -------------------------------------------------------------------------------------
# From <linux/landlock.h>. The syscall numbers are the same on every architecture (added after
# the tables were unified). Only rights that change the file system are handled: reading and
# executing stay allowed everywhere.
SYS_CREATE_RULESET, SYS_ADD_RULE, SYS_RESTRICT_SELF = 444, 445, 446
CREATE_RULESET_VERSION = 1
RULE_PATH_BENEATH = 1
PR_SET_NO_NEW_PRIVS = 38
WRITE_FILE, REMOVE_DIR, REMOVE_FILE = 1 << 1, 1 << 4, 1 << 5
MAKE_CHAR, MAKE_DIR, MAKE_REG, MAKE_SOCK, MAKE_FIFO, MAKE_BLOCK, MAKE_SYM = (1 << bit for bit in range(6, 13))
REFER, TRUNCATE = 1 << 13, 1 << 14  # ABI 2 and ABI 3
FILE_RIGHTS = WRITE_FILE | TRUNCATE  # the only write rights a rule on a single file may grant


def _libc() -> ctypes.CDLL:
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    return libc


def landlock_abi() -> int:
    """The kernel's Landlock ABI version; 0 when it has none (old kernel, not Linux, disabled)."""
    if not sys.platform.startswith("linux"):
        return 0
    version = _libc().syscall(ctypes.c_long(SYS_CREATE_RULESET), None, ctypes.c_size_t(0), ctypes.c_uint32(CREATE_RULESET_VERSION))
    return max(int(version), 0)


def restrict_writes(writable: list[str]) -> bool:
    """Allow this process and its children to change files only beneath ``writable``.

    Must run before the process starts threads: Landlock applies to the calling thread and
    to what it creates afterwards. Returns False, changing nothing, where Landlock is missing.
    """
    abi = landlock_abi()
    if abi < 1:
        return False
    handled = WRITE_FILE | REMOVE_DIR | REMOVE_FILE | MAKE_CHAR | MAKE_DIR | MAKE_REG | MAKE_SOCK | MAKE_FIFO | MAKE_BLOCK | MAKE_SYM
    handled |= (REFER if abi >= 2 else 0) | (TRUNCATE if abi >= 3 else 0)
    libc = _libc()
    attributes = struct.pack("=Q", handled)
    ruleset = libc.syscall(ctypes.c_long(SYS_CREATE_RULESET), attributes, ctypes.c_size_t(len(attributes)), ctypes.c_uint32(0))
    if ruleset < 0:
        return False
    try:
        rules = [(folder, handled) for folder in writable] + [(path, handled & FILE_RIGHTS) for path in ALWAYS_WRITABLE]
        for path, allowed in rules:
            descriptor = os.open(path, os.O_PATH | os.O_CLOEXEC)
            try:
                rule = struct.pack("=Qi", allowed, descriptor)  # struct landlock_path_beneath_attr is packed
                if libc.syscall(ctypes.c_long(SYS_ADD_RULE), ctypes.c_int(ruleset), ctypes.c_int(RULE_PATH_BENEATH), rule, ctypes.c_uint32(0)) < 0:
                    raise OSError(ctypes.get_errno(), f"landlock_add_rule {path}")
            finally:
                os.close(descriptor)
        if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_SET_NO_NEW_PRIVS)")
        if libc.syscall(ctypes.c_long(SYS_RESTRICT_SELF), ctypes.c_int(ruleset), ctypes.c_uint32(0)) < 0:
            raise OSError(ctypes.get_errno(), "landlock_restrict_self")
    finally:
        os.close(ruleset)
    return True

"""The ``verify --exec`` sandbox: what a snippet may not do, and that the rest of the run goes on.

Real snippets in real processes: a runaway loop, unbounded memory, ``os._exit``, forks (through
Python and through ``ctypes``, past the audit hook), writes outside the temporary folder
(through Python and through ``ctypes``), signalling the parent. The native-code cases are held
by Landlock; where the kernel has none, the test says so instead of passing quietly.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from conftest import FIXTURES, require_installed, run
from conv_lint.verify.execution.exec_mode import run_snippet
from conv_lint.verify.execution.sandbox import landlock_abi
from conv_lint.verify.workers.pool import Limits

UNVERIFIABLE = "UNVERIFIABLE"


def _alive(pid: int) -> bool:
    """Whether process ``pid`` still runs (a zombie waiting to be reaped does not)."""
    stat = Path(f"/proc/{pid}/stat")
    try:
        return stat.read_text().rsplit(") ", 1)[1][0] not in "ZX"
    except (FileNotFoundError, IndexError):
        return False


def _hostile_snippets(folder: Path, outside: Path) -> dict[str, str]:
    """Snippet files, each trying one thing the sandbox refuses; ``outside`` must stay empty."""
    return {
        "exits.py": "import os\nprint('started')\nos._exit(0)\n",
        "forks.py": "import os\npid = os.fork()\nif pid == 0:\n    open('child.txt', 'w').write('x')\n",
        "forks_and_catches.py": (
            "import os\ntry:\n    os.fork()\nexcept PermissionError as error:\n    print('caught:', error)\n"
        ),
        "shells_out.py": f"import subprocess\nsubprocess.run(['touch', {str(outside / 'shell.txt')!r}])\n",
        "writes_outside.py": (
            f"try:\n    open({str(outside / 'python.txt')!r}, 'w').write('x')\nexcept PermissionError:\n    pass\n"
            "open('inside.txt', 'w').write('allowed: its own folder')\n"
        ),
        "writes_natively.py": (
            "import ctypes, os\nlibc = ctypes.CDLL(None, use_errno=True)\n"
            f"fd = libc.open({str(outside / 'native.txt').encode()!r}, os.O_WRONLY | os.O_CREAT, 0o644)\n"
            "print('native open:', fd, ctypes.get_errno())\n"
        ),
        "forks_natively.py": (
            "import ctypes, os, time\nlibc = ctypes.CDLL(None)\n"
            "if libc.fork() == 0:\n    print('child', os.getpid(), flush=True)\n    time.sleep(600)\n"
        ),
        "kills_parent.py": "import os, signal\nos.kill(os.getppid(), signal.SIGTERM)\n",
        "deletes.py": f"import os\nos.remove({str(outside / 'keep.txt')!r})\n",
    }


def test_hostile_snippets_are_contained_and_unverifiable_while_the_others_still_verify(tmp_path):
    require_installed("tensorflow", "keras", "jax", "flax")
    snippets, outside = tmp_path / "snippets", tmp_path / "outside"
    snippets.mkdir()
    outside.mkdir()
    (outside / "keep.txt").write_text("keep me")
    for name, text in _hostile_snippets(snippets, outside).items():
        (snippets / name).write_text(text)
    for name in ("snippet1_tensorflow.py", "snippet2_jax_valid.py"):  # well-behaved, in the same run
        shutil.copy(FIXTURES / "seed_post" / name, snippets / name)

    result = run("conv-lint", "verify", "--exec", str(snippets), "--format", "json", "--timeout", "60", cwd=tmp_path)
    assert result.returncode == 2, result.stderr  # snippets failed: exit 2, as documented
    assert "Traceback" not in result.stderr
    report = {Path(item["path"]).name: item for item in json.loads(result.stdout)["snippets"]}

    expected_failures = {
        "exits.py": "called os._exit(0) (line 3) before finishing",
        "forks.py": "tried to fork a process: refused by the verify --exec sandbox (line 2)",
        "forks_and_catches.py": "tried to fork a process",  # caught by the snippet, still reported
        "shells_out.py": "tried to start a process (touch",
        "writes_outside.py": f"tried to write {outside / 'python.txt'} outside its temporary folder",
        "kills_parent.py": "tried to send signal",
        "deletes.py": f"tried to change {outside / 'keep.txt'} (os.remove) outside its temporary folder",
        "forks_natively.py": "left processes running after it ended (killed)",
    }
    for name, reason in expected_failures.items():
        assert report[name]["status"] == UNVERIFIABLE and reason in report[name]["failure"], (name, report[name])
        assert f"{name}: {report[name]['failure']}" in result.stderr  # and one line on stderr
    assert report["forks_and_catches.py"]["stdout"].startswith("caught: tried to fork a process")

    # Native code bypasses the audit hook; Landlock is what refuses its write. Without it (old
    # kernels, other systems) the write happens and the report says Landlock was not in force.
    native = report["writes_natively.py"]
    if landlock_abi():
        assert native["landlock"] and "native open: -1 13" in native["stdout"], native  # EACCES
        assert not native["failure"]  # the refusal came from the kernel; the snippet ran to its end
    else:
        assert not native["landlock"] and (outside / "native.txt").exists()
        (outside / "native.txt").unlink()

    # Nothing else escaped: no file outside, the one there kept, the native fork's child is gone.
    assert sorted(path.name for path in outside.iterdir()) == ["keep.txt"]
    assert (outside / "keep.txt").read_text() == "keep me"
    (child_line,) = [line for line in report["forks_natively.py"]["stdout"].splitlines() if line.startswith("child")]
    assert not _alive(int(child_line.split()[1]))

    # The well-behaved snippets in the same run still ran and verified.
    for name, shape in (("snippet1_tensorflow.py", [1, 5, 1]), ("snippet2_jax_valid.py", [1, 7, 3])):
        assert report[name]["status"] == "RAN" and not report[name]["failure"], report[name]
        (call,) = report[name]["calls"]
        assert call["output_shape"] == shape and call["replays"][0]["status"] == "REPLAY AGREES"


def test_runaway_snippets_are_stopped_and_the_sandbox_keeps_its_folder(tmp_path):
    looping = tmp_path / "looping.py"
    looping.write_text("while True:\n    pass\n")
    assert "timed out after 3 s" in run_snippet(looping, Limits(timeout=3)).failure

    greedy = tmp_path / "greedy.py"
    greedy.write_text("block = bytearray(2 * 1024 ** 3)\n")
    refused = run_snippet(greedy, Limits(timeout=30, memory_mb=512))
    assert "out of memory" in refused.failure

    curious = tmp_path / "curious.py"
    curious.write_text(
        "import os, sys, tempfile\nprint(repr(sys.stdin.read()))\nprint(os.getcwd())\nprint(tempfile.gettempdir())\n"
        "open('left.txt', 'w').write('x')\n"
    )
    answered = run_snippet(curious, Limits(timeout=30))
    stdin, folder, temporary = answered.stdout.splitlines()
    assert not answered.failure and stdin == "''"  # no inherited stdin: EOF at once
    assert temporary == folder  # tempfile writes where the snippet may write
    assert not Path(folder).exists() and Path(folder) != tmp_path  # a temporary folder, removed afterwards
    assert not (tmp_path / "left.txt").exists()
    assert os.environ.get("TMPDIR") != folder  # only the snippet's environment was changed

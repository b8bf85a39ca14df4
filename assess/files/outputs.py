"""Writing what `assess` produces: checked before anything runs, written whole or not at all.

An output may not be an input, a folder, a device or another output of the same command; an
existing file is replaced only when asked. Files are written to a temporary file beside the
target and renamed into place, several outputs together: if any cannot be placed, none is
left changed. A replaced file keeps its permissions. No process-wide state is touched (the
umask is applied by the kernel, not read by changing it), so threads may write at once.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import secrets
import signal
import stat
import sys
from dataclasses import dataclass
from pathlib import Path

from assess.domain.errors import AssessError, UsageError


class OutputError(AssessError):
    """The outputs could not be written for a reason outside the command line (a full disk)."""

STDOUT = "-"
# Temporary files carry the writer's pid, so a later run can tell a stale one (its writer is
# gone: killed mid-write) from one that another live process is still writing.
_PART = re.compile(r"^\.(?P<name>.+)\.(?P<pid>\d+)\.[0-9a-f]{8}\.(?:part|bak)$")


@dataclass(frozen=True)
class Output:
    """One file to write: where (`-` is standard output), what kind, the bytes."""

    path: str
    kind: str  # "PDF" or "JSON": the extension the path must have
    data: bytes = b""


def _resolve(path: Path) -> Path:
    """An absolute path for comparing, even for a link that loops (which resolve() refuses)."""
    try:
        return path.resolve()
    except (OSError, RuntimeError):
        return Path(os.path.abspath(path))


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return False


def check_outputs(outputs: list[Output], *, inputs: list[Path], force: bool) -> None:
    """Refuse, before anything runs, every output that cannot or must not be written."""
    problems: list[str] = []
    to_stdout = [o for o in outputs if o.path == STDOUT]
    if len(to_stdout) > 1:
        problems.append("only one output can go to standard output (-)")
    seen: dict[Path, Output] = {}
    for out in outputs:
        if out.path == STDOUT:
            continue
        path = Path(out.path)
        label = f"{out.kind} output {out.path}"
        if out.path.endswith(("/", os.sep)) or path.is_dir():
            problems.append(f"{label} is a folder; name a file in it")
            continue
        if path.suffix.lower() != f".{out.kind.lower()}":
            problems.append(f"{label} must end in .{out.kind.lower()} (it is a {out.kind})")
        resolved = _resolve(path)
        if resolved in seen or any(_same_file(path, Path(o.path)) for o in seen.values()):
            problems.append(f"{label} is the same file as the {seen.get(resolved, out).kind} output")
        seen[resolved] = out
        if any(resolved == _resolve(i) or _same_file(path, i) for i in inputs):
            problems.append(f"{label} is an input of this command; it would be overwritten")
        if path.exists() or path.is_symlink():
            try:
                info = path.stat()
            except OSError:
                problems.append(f"{label} cannot be checked (a broken or looping link?)")
                continue
            if not stat.S_ISREG(info.st_mode):
                problems.append(f"{label} exists and is not a regular file (a device or a pipe?)")
            elif not force:
                problems.append(f"{label} exists; pass --force to replace it")
            elif info.st_nlink > 1:
                problems.append(f"{label} has other hard links; replacing it would split them, so "
                                "remove the other links or choose another name")
        parent = path.parent if str(path.parent) else Path(".")
        if not parent.is_dir():
            problems.append(f"{label}: the folder {parent} does not exist")
        elif not os.access(parent, os.W_OK | os.X_OK):
            problems.append(f"{label}: the folder {parent} cannot be written to")
    if problems:
        raise UsageError("cannot write the outputs:\n  " + "\n  ".join(problems))


# Temporary files this process is writing: a worker stopped by a signal removes them and leaves
# at once (raising from a signal handler is unsafe: it may land inside a finalizer).
_IN_FLIGHT: set[Path] = set()
_HELD = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)


def abandon() -> None:
    """Remove the temporary files being written (called on the way out of a stopped process)."""
    for temp in list(_IN_FLIGHT):
        with contextlib.suppress(OSError):
            temp.unlink()
    _IN_FLIGHT.clear()


def _temp_beside(path: Path, mode: int | None) -> tuple[Path, int]:
    name = f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.part"
    temp = path.with_name(name)
    _IN_FLIGHT.add(temp)
    # 0o666 through os.open lets the kernel apply the umask, as for any new file.
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o666)
    if mode is not None:
        os.fchmod(fd, mode)  # a replaced file keeps its permissions
    return temp, fd


# Why a file cannot be written that the person can mend (exit 2); anything else (a full
# disk, say) is reported as it is (exit 1).
_USAGE_ERRNOS = {errno.EACCES, errno.EPERM, errno.EROFS, errno.ENOENT, errno.ENOTDIR, errno.EISDIR,
                 errno.ENAMETOOLONG, errno.ELOOP}


def write_together(outputs: list[Output]) -> None:
    """Write every output, or none: temporary files first, then renamed into place; a rename
    that fails puts back what the earlier ones replaced."""
    try:
        _write_together(outputs)
    except OSError as exc:
        where = f"cannot write {exc.filename}: " if exc.filename else "cannot write the outputs: "
        if exc.errno in _USAGE_ERRNOS:
            raise UsageError(f"{where}{exc.strerror}; nothing was written") from None
        raise OutputError(f"{where}{exc.strerror}; nothing was written") from None


def _write_together(outputs: list[Output]) -> None:
    staged: list[tuple[Path, Path, Path | None]] = []  # (target, temp, backup of the old file)
    try:
        for out in outputs:
            if out.path == STDOUT:
                continue
            target = Path(out.path)
            old_mode = stat.S_IMODE(target.stat().st_mode) if target.is_file() else None
            temp, fd = _temp_beside(target, old_mode)
            staged.append((target, temp, None))
            with os.fdopen(fd, "wb") as fh:
                fh.write(out.data)
                fh.flush()
                os.fsync(fh.fileno())
        for i, (target, temp, _) in enumerate(staged):
            if target.exists():
                keep = temp.with_suffix(".bak")
                with contextlib.suppress(OSError):
                    os.link(target, keep)
                    staged[i] = (target, temp, keep)
        placed: list[int] = []
        # The outputs land together: a stop signal waits until every rename is done.
        held = signal.pthread_sigmask(signal.SIG_BLOCK, _HELD) if hasattr(signal, "pthread_sigmask") else None
        try:
            for i, (target, temp, _) in enumerate(staged):
                os.replace(temp, target)
                placed.append(i)
                _IN_FLIGHT.discard(temp)
        except BaseException:
            for i in placed:
                replaced, _temp, backup = staged[i]
                with contextlib.suppress(OSError):
                    if backup is not None:
                        os.replace(backup, replaced)
                    else:
                        replaced.unlink()
            raise
        finally:
            if held is not None:
                signal.pthread_sigmask(signal.SIG_SETMASK, held)
    finally:
        for _target, temp, backup in staged:
            _IN_FLIGHT.discard(temp)
            for leftover in (temp, backup):
                if leftover is not None:
                    with contextlib.suppress(FileNotFoundError):
                        leftover.unlink()
    for out in outputs:
        if out.path == STDOUT:
            sys.stdout.buffer.write(out.data)
            sys.stdout.buffer.flush()


def write_atomic(path: Path | str, data: bytes) -> None:
    """One file, whole or not at all (see write_together)."""
    write_together([Output(str(path), Path(path).suffix.lstrip(".").upper() or "file", data)])


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_stale_parts(folder: Path) -> list[Path]:
    """Remove temporary files left by a writer that was killed mid-write (its pid is gone)."""
    removed = []
    with contextlib.suppress(OSError):
        for entry in folder.iterdir():
            match = _PART.match(entry.name)
            if match and int(match["pid"]) != os.getpid() and not _alive(int(match["pid"])):
                with contextlib.suppress(OSError):
                    entry.unlink()
                    removed.append(entry)
    return removed

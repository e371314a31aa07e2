"""Parse an untrusted document in a child process with memory and CPU limits, so that no parser bug
or bomb the limits (documents.limits) did not foresee can take a worker down.

The child is forked (POSIX): it inherits the loaded code, sets RLIMIT_AS (what it maps at the fork plus
Limits.memory) and RLIMIT_CPU, parses, sends
the result back through a pipe and exits without running the parent's clean-ups (os._exit, as
multiprocessing does), so the parent's database connections are untouched. A child that runs out of
memory or time, or dies, is reported as a refusal naming the limit. Where fork or resource limits
are not available (another OS, or IMPORT_SANDBOX=0), parsing runs in the process itself, guarded only
by the limits checked before. Measured overhead of the child: see bench/attack_figures.py.
"""
from __future__ import annotations

import multiprocessing
import os
import pickle
import traceback

from ..importers.parsed import ImportFailure
from . import limits as bounds
from .limits import MB, Limits, refuse

try:
    import resource
except ImportError:  # not POSIX
    resource = None


def available() -> bool:
    return resource is not None and "fork" in multiprocessing.get_all_start_methods()


def _address_space() -> int:
    """Bytes of address space this process has now (Linux: /proc/self/statm), else 0."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def _child(conn, func, args, kwargs, lim: Limits) -> None:
    try:
        # the limit is on growth: a forked worker already maps its code, its threads' stacks and malloc
        # arenas (hundreds of MB of address space in a threaded worker), which parsing does not use
        room = _address_space() + lim.memory
        resource.setrlimit(resource.RLIMIT_AS, (room, room))
        resource.setrlimit(resource.RLIMIT_CPU, (lim.seconds, lim.seconds + 1))
        try:
            result = ("ok", func(*args, **kwargs))
        except ImportFailure as exc:
            result = ("refused", str(exc))
        except MemoryError:
            result = ("memory", None)
        except Exception as exc:  # noqa: BLE001 - any parser failure goes back to the caller as a refusal
            result = ("error", f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=5)}")
        conn.send_bytes(pickle.dumps(result))
    except BaseException:  # noqa: BLE001 - even a failed send must end the child quietly
        pass
    finally:
        conn.close()


def run(func, *args, limits: Limits | None = None, sandbox: bool = True, **kwargs):
    """func(*args, **kwargs) in a limited child process (or here, when not available or not wanted);
    ImportFailure when the child is refused, runs out of memory or CPU time, or dies."""
    if not sandbox or not available():
        return func(*args, **kwargs)
    limits = limits or bounds.LIMITS
    ctx = multiprocessing.get_context("fork")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(child, func, args, kwargs, limits), daemon=True)
    proc.start()
    child.close()
    try:
        if not parent.poll(limits.seconds * 2):  # wall-clock guard: a child that sleeps or waits
            raise refuse(f"解析时间超过 {limits.seconds * 2} 秒")
        status, value = pickle.loads(parent.recv_bytes())
    except EOFError:  # the child died without answering: killed by the memory or CPU limit
        proc.join(5)
        if proc.exitcode is not None and -proc.exitcode in (9, 24):  # SIGKILL, SIGXCPU
            raise refuse(f"解析时间超过 {limits.seconds} 秒") from None
        raise refuse(f"解析所需内存超过 {limits.memory // MB} MB") from None
    finally:
        parent.close()
        if proc.is_alive():
            proc.kill()
        proc.join(5)
    if status == "ok":
        return value
    if status == "memory":
        raise refuse(f"解析所需内存超过 {limits.memory // MB} MB")
    if status == "refused":
        raise ImportFailure(value)
    raise RuntimeError(value)  # the caller turns a parser's failure into "damaged file"




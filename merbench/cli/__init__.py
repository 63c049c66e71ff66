"""The ``merbench`` command: run, sweep, extract, list, cache, status, show, validate,
audit, keygen, compare, migrate, export, convert-weights and leaderboard.

``run`` a protocol, ``sweep`` a plan of runs, ``extract`` a feature into the cache, ``list``
what plugins provide, show or clear the feature ``cache``, see how far a run got
(``status``), print a finished result's text again (``show``), ``validate`` result files,
train some folds again (``audit``), make a key to sign audits with (``keygen``),
``compare`` runs, bring old files to the current layout (``migrate``), write preprocessed
images in the authors' layouts (``export``), bring the authors' released weights into
merbench's names (``convert-weights``) and build the ``leaderboard`` site from them.

Each command is carried out by its own module, ``merbench.cli.<command>_command``, whose
``main`` this package calls through a table of commands; the module is imported only when
its command runs. This package keeps what every command shares: parsing, the plugin loader
and the handling of errors. Every mistake a user can make ends in one line on stderr that
says what is wrong and how to fix it, and exit status 2; an interrupted run says where its
finished folds are.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import os
import sys
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import import_module
from pathlib import Path
from typing import Any

from merbench.base.atomic import target_of
from merbench.base.cache_env import CACHE_ENV
from merbench.base.errors import OUT_OF_MEMORY, MerbenchError, os_reason, ran_out_of_memory
from merbench.base.terminal import hold_any_text, say
from merbench.cli.cache_left import folders_to_make, take_back
from merbench.cli.closed_streams import STDOUT_CLOSED, stdout_is_open
from merbench.cli.parser import (
    COMMANDS,
    EXIT_INTERRUPTED,
    EXIT_USAGE,
    build_parser,
    parse_command_line,
)
from merbench.cli.stdout_stream import StdoutWriteError, tag_stdout
from merbench.cli.stop_signals import exit_if_stopped, ignore_while_exiting, stop_like_ctrl_c
from merbench.plugin_system.manager import Plugins, check_blocked, load_plugins
from merbench.results.out_folders import overlong, shortened
from merbench.training.threads import set_blas_threads, thread_variable_problem

__all__ = ["build_parser", "console", "main"]


def _load(args: argparse.Namespace, extra: Sequence[tuple[str, object]] = ()) -> Plugins:
    """The plugins a command's ``--plugin`` / ``--no-plugin`` ask for, with ``extra`` ones
    (the command's own reporters); a plugin that failed to load is one warning line."""
    # deferred: rich, which render imports and 'import merbench.cli' (--help) leaves out
    from merbench.cli.render import print_plugin_failures

    # a name no plugin has was ignored (the plugin loaded); one also given to -p contradicts
    check_blocked(args.no_plugin, args.plugin)
    plugins = load_plugins(block=args.no_plugin, enable=args.plugin, extra=extra)
    print_plugin_failures(plugins)
    return plugins


@dataclass(frozen=True)
class Command:
    """A command, carried out by ``main`` of the module ``merbench.cli.<module>``.

    The module is imported only when its command runs, so ``merbench --help`` and ``merbench
    list`` load nothing that ``merbench run`` needs (torch, pandas, jinja2). A command that
    takes ``--plugin`` / ``--no-plugin`` (``loads_plugins``) is handed the plugin loader,
    :func:`_load`, as its second argument.
    """

    module: str
    loads_plugins: bool = False

    def __call__(self, args: argparse.Namespace) -> int:
        carry_out = import_module(f"merbench.cli.{self.module}").main
        status: int = carry_out(args, _load) if self.loads_plugins else carry_out(args)
        return status


def _commands() -> dict[str, Callable[[argparse.Namespace], int]]:
    """The handlers by command name, read off the parser's table (:data:`COMMANDS`): the
    command ``convert-weights`` is carried out by ``merbench.cli.convert_weights_command``,
    and it is handed the plugin loader exactly where its row offers ``--plugin``. Built as
    :func:`main` runs, so a test can put a command of its own in place of one."""
    return {line.name: Command(f"{line.name.replace('-', '_')}_command",
                               loads_plugins=line.plugins) for line in COMMANDS.table}


def _one_line_warning(message: Warning | str, category: type[Warning], *args: Any,
                      **kwargs: Any) -> None:
    say(f"merbench: warning: {message}", file=sys.stderr)


def main(argv: Sequence[str] | None = None, *, ends_process: bool = False) -> int:
    """Carry out a ``merbench`` command line; returns the exit status. ``ends_process``: the
    process ends when this returns (the console script), so after a stop a further signal
    may end it at once (:mod:`merbench.cli.stop_signals`); otherwise the signal handlers in
    place before are all back when this returns."""
    warnings.showwarning = _one_line_warning
    if not stdout_is_open():  # `>&-`: what the command prints would be lost
        say(f"merbench: error: {STDOUT_CLOSED}", file=sys.stderr)
        return EXIT_USAGE
    for stream in (sys.stdout, sys.stderr):  # argparse's help and the warnings too
        hold_any_text(stream)
    try:
        status = _carry_out(argv, ends_process)
        sys.stdout.flush()  # here, not at exit, where a full disk went unsaid with status 0
    except BrokenPipeError:  # `merbench ... | head`: the reader has all it wanted
        _quiet_stdout()
        return EXIT_BROKEN_PIPE
    except OSError as exc:
        if not _stdout_failed(exc):
            raise
        say(f"merbench: error: {_stdout_error(exc)}", file=sys.stderr)
        _quiet_stdout()
        return EXIT_USAGE
    return status


def _carry_out(argv: Sequence[str] | None, ends_process: bool) -> int:
    """:func:`main`'s work, all of it but the last flush of standard output."""
    set_blas_threads()  # before numpy loads, which reading an option's number may do
    try:
        args = parse_command_line(argv)
    except SystemExit:  # --help, --version: printed; a failed write is said by main
        sys.stdout.flush()
        raise
    except MerbenchError as exc:  # an option's type that says the whole line (a seed's)
        say(f"merbench: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:  # before the command's own handlers: nothing begun
        say("merbench: interrupted while starting — nothing was done", file=sys.stderr)
        return EXIT_INTERRUPTED
    threads = thread_variable_problem()  # before any command imports torch, which reads it
    if threads is not None:
        say(f"merbench: error: {threads}", file=sys.stderr)
        return EXIT_USAGE
    gone = working_folder_gone()
    if gone is not None:
        say(f"merbench: error: {gone}", file=sys.stderr)
        return EXIT_USAGE
    made: list[Path] = []
    try:
        if os.environ.get(CACHE_ENV) is not None:  # one check for every command (AA13)
            _refuse_cache_in_result()
        made = folders_to_make()  # what a refusal takes back, where planning alone wrote
        with stop_like_ctrl_c(ends_process) as stops:  # SIGTERM, SIGHUP: as Ctrl-C
            try:
                status = _commands()[args.command](args)
            except KeyboardInterrupt:  # run and extract say more; the others change nothing
                say(f"merbench: interrupted — 'merbench {args.command}' did not finish; run "
                    "it again", file=sys.stderr)
                status = EXIT_INTERRUPTED
        return stops.exit_status(status, EXIT_INTERRUPTED)
    except MerbenchError as exc:
        take_back(made)
        say(f"merbench: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except (MemoryError, ImportError) as exc:  # from any command's code (pass 84ag, AG4)
        if not ran_out_of_memory(exc):
            raise
        return _out_of_memory(args.command)
    except BrokenPipeError:  # `merbench ... | head`: the reader has all it wanted
        _quiet_stdout()
        return EXIT_BROKEN_PIPE
    except OSError as exc:  # the file system said no (full disk, permissions) mid-command
        if _stdout_failed(exc):
            raise  # main says it: standard output is no file the user named
        if ran_out_of_memory(exc):  # a shared library that could not be mapped
            return _out_of_memory(args.command)
        say(f"merbench: error: {_os_error(exc, args.command)}", file=sys.stderr)
        return EXIT_USAGE


def working_folder_gone() -> str | None:
    """Why no command can run where it was started: the folder the shell stands in was
    deleted under it, so every relative path (``.``, ``--out rel``, the cache's and the
    runs' defaults) leads nowhere; each command said "failed on a file (no such file or
    folder)", no path named, and the same command again failed alike. None: it is there."""
    try:
        os.getcwd()
    except FileNotFoundError:
        shown = os.environ.get("PWD")
        named = f" ({shown})" if shown else ""
        return (f"the working folder{named} was deleted, so relative paths lead nowhere; cd "
                "to a folder that exists, then run the command again")
    return None


def _refuse_cache_in_result() -> None:
    """A cache folder no cache can be (a file, blank, inside a result's folder) refused
    before any command may write there (every command may: features, checks, plugins'
    options), ``cache`` too: a run folder was refused by ``run`` and surveyed as a cache by
    ``cache info``, and a file refused by ``cache info`` and passed over by a run that
    opened no feature (pass 84aa, AA13)."""
    # deferred: the result files' modules load pandas, which 'merbench list' need not
    from merbench.cli.out_places import refuse_cache_in_result
    refuse_cache_in_result()


#: the shell's status for a process ended by SIGPIPE, which a pipeline's reader that stopped
#: early (``head``) gives every writer
EXIT_BROKEN_PIPE = 128 + 13


def _quiet_stdout() -> None:
    """Standard output pointed at the null device: its reader is gone, and the interpreter's
    last flush of what is still buffered would fail again, with a traceback."""
    with contextlib.suppress(OSError, ValueError):
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def console() -> None:
    """The ``merbench`` console script and ``python -m merbench``."""
    tag_stdout()  # so that a full standard output is said as such, not as "a file"
    status = main(ends_process=True)
    ignore_while_exiting()
    exit_if_stopped(status)
    sys.exit(status)


def _stdout_failed(exc: OSError) -> bool:
    """Whether ``exc`` came from writing standard output (``> /dev/full``), which names no
    file, as a write to one of merbench's files on a full disk names none."""
    return isinstance(exc, StdoutWriteError)


def _stdout_error(exc: OSError) -> str:
    """The line for output that could not be written: "a file" was wrong, and so was a fix
    about the disk merbench's files are on."""
    return (f"standard output could not be written ({os_reason(exc)}); send it where it can "
            "be written, then run the same command again")


def _out_of_memory(command: str) -> int:
    """Say that ``command`` ran out of memory, in one line: a MemoryError was a traceback,
    a shared library that could not be mapped an ImportError's (pass 84ag, AG4)."""
    kept = ": work already finished is kept" if command in ("run", "extract") else ""
    say(f"merbench: error: {OUT_OF_MEMORY}{kept}", file=sys.stderr)
    return EXIT_USAGE


def _os_error(exc: OSError, command: str) -> str:
    """One line for a file-system failure that no check caught, with what to do about it.
    It names the path the user knows: the target of one of merbench's temporary files (a
    file written whole, then renamed), not the temporary name. A file cut by the size limit
    (``ulimit -f``, EFBIG) was said as "file too large; fix the cause", and the same command
    again failed the same way: its fix is to raise the limit (pass 84ag, AG1)."""
    fix = {errno.ENOSPC: "free some disk space", errno.EDQUOT: "free some disk space",
           errno.EACCES: "fix the permissions", errno.EPERM: "fix the permissions",
           errno.EROFS: "use a writable location",
           errno.ENOENT: "check that the path exists"}.get(exc.errno or 0, "fix the cause")
    if exc.errno == errno.ENAMETOOLONG and isinstance(exc.filename, (str, bytes)):
        # one rule for every command reading a path: the system's "File name too long"
        # with the whole path was what validate, migrate, compare and leaderboard said
        path = os.fsdecode(exc.filename)
        why = overlong(path) or "is longer than a path may be"
        return f"{shortened(path)} {why}; no file or folder can be there: give its real path"
    where = (target_of(os.fsdecode(exc.filename))
             if isinstance(exc.filename, (str, bytes)) else "a file")
    kept = ": work already finished is kept" if command in ("run", "extract") else ""
    if exc.errno == errno.EFBIG:  # the same command under the same limit fails the same way
        return (f"'merbench {command}' could not write {where}: it would be larger than "
                "this process may write (its file size limit, ulimit -f): raise the limit, "
                f"then run the same command again{kept}")
    return (f"'merbench {command}' failed on {where} ({os_reason(exc)}); {fix}, then run the "
            f"same command again{kept}")


if __name__ == "__main__":  # pragma: no cover
    console()

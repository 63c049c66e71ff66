"""The one exception type that reaches users as a single line instead of a traceback."""

from __future__ import annotations

import errno
import re


class MerbenchError(Exception):
    """A problem the user can fix: the message says what is wrong and what to do.

    The CLI prints it as one line and exits with status 2.
    """


class PluginError(MerbenchError):
    """A plugin could not be loaded, or two plugins claim the same name."""


class TooLargeToBuild(MemoryError):
    """A plugin's object (a model) that its options make too large for this machine, said in
    merbench's words naming the option to make smaller. Still a MemoryError: K folds built
    at once may fit as fewer; a single fold's is this line, whose fix is the option, never
    a smaller --batch-size (pass 84aa, AA8: the two nested refusals said that first)."""


def first_line(exc: BaseException) -> str:
    """The first line of ``exc``'s message (its type's name when it has none), for a
    one-line error that quotes it."""
    lines = message_of(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


def message_of(exc: BaseException) -> str:
    """``str(exc)``, or, where its own ``__str__`` raises, its class's name and that its
    message could not be shown (``BadStr (its message could not be shown)``): a plugin's
    exception whose message cannot be made is said by its class, never by the second
    error (pass 84n, N2: a traceback out of the warning that was to say it), and not as
    one without a message either ("a bad str" read as the model's own words: pass 84n,
    N5). Every reader of a plugin's exception reads it here, so each says it alike."""
    try:
        return str(exc)
    except Exception:
        return f"{type(exc).__name__} (its message could not be shown)"


def in_words(exc: BaseException) -> str:
    """What ``exc`` says, on one line and without its Python class's name, for a line that
    tells a user why a file cannot be checked or a value cannot be used ("(ValueError:
    ...)" named what no user wrote): a KeyError's message is only its key, said as missing;
    one with no message is said by its class in words ("a zero division error")."""
    if isinstance(exc, KeyError) and len(exc.args) == 1:
        return f"{exc.args[0]!r} is missing"
    lines = message_of(exc).strip().splitlines()
    if lines:
        return lines[0]
    words = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", type(exc).__name__).lower()
    return f"{'an' if words[:1] in tuple('aeiou') else 'a'} {words}"


#: the most of a plugin's own message :func:`plugin_words` quotes (characters)
PLUGIN_WORDS_LIMIT = 400


def plugin_words(exc: BaseException) -> str:
    """What a plugin's own code raised, as :func:`in_words` says it but whole: its lines
    joined by " / " on the one line (up to :data:`PLUGIN_WORDS_LIMIT` characters). Its
    author wrote every line for whoever meets the error, and the line that quotes it is all
    the user sees: a factory's "factory broke\nsecond line" was quoted as "factory broke"
    (pass 84l, N12). A library's error keeps :func:`in_words`' first line (torch's carry
    pages of C++ frames after it)."""
    lines = [line.strip() for line in message_of(exc).strip().splitlines() if line.strip()]
    if len(lines) < 2 or isinstance(exc, KeyError):
        return in_words(exc)
    said = " / ".join(lines)
    return said if len(said) <= PLUGIN_WORDS_LIMIT else \
        said[:PLUGIN_WORDS_LIMIT - 3].rstrip() + "..."


#: an error number in words, for the ones a user meets; others as the system says them
_REASONS = {errno.EACCES: "permission denied", errno.EPERM: "permission denied",
            errno.ENOSPC: "no space left on the device",
            errno.EDQUOT: "the disk quota is used up",
            errno.EROFS: "the file system is read-only",
            errno.ENOENT: "no such file or folder", errno.EIO: "an input/output error",
            errno.EFBIG: "the file size limit (ulimit -f) was reached"}


def os_reason(exc: OSError) -> str:
    """Why the system refused, in words and without the exception's class: a user does not
    know what ``[PermissionError]`` is, and the words already say it."""
    said = _REASONS.get(exc.errno or 0) or str(exc.strerror or "").strip()
    return said[:1].lower() + said[1:] if said else "the system gave no reason"


#: the one line for running out of memory, whichever command and code met it (pass 84ag, AG4)
OUT_OF_MEMORY = ("merbench ran out of memory (its address-space limit, ulimit -v, or the "
                 "machine's): raise the limit or free memory, then run the same command again")

#: the dynamic loader's words for a shared library that found no memory to be mapped into
_NOT_MAPPED = "failed to map segment from shared object"


def ran_out_of_memory(exc: BaseException) -> bool:
    """Whether ``exc`` is this process running out of memory: a MemoryError, or a shared
    library (torch's, scipy's) that could not be mapped, which Python raises as an
    ImportError or OSError with the loader's words. The cause is the process's limit or the
    machine's, never the code that happened to ask: such a failure inside a plugin's call was
    said as the plugin's fault, and the builtin protocol was blamed for scipy's library."""
    if isinstance(exc, MemoryError):
        return True
    return isinstance(exc, (ImportError, OSError)) and _NOT_MAPPED in str(exc)

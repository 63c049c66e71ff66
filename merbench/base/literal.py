"""Text merbench did not write, shown as it is written: one rule for pages and terminals.

Names, descriptions, citations, reasons, run-folder names and key names come from result
files, plugins, file systems and key files that anyone can edit. Escaping HTML (pages) and
turning Rich's markup off (terminals) keep such text from becoming markup, but not from
changing how the text around it *reads*: a right-to-left override (U+202E) or isolate
(U+2066) shows everything after it reversed, merbench's own words included; zero-width and
other invisible characters make two different names look alike; an ANSI escape sequence
clears a terminal, rewrites earlier lines or plants a link. So :func:`literal` writes every
such character as its Python escape (``\\u202e``, ``\\x1b``), visible and inert:

- control characters (category Cc: C0, DEL, C1, ESC among them), except newline and tab;
- format characters (Cf): the bidirectional marks, embeddings, overrides and isolates
  (U+200E, U+200F, U+061C, U+202A-U+202E, U+2066-U+2069), zero-width space and joiners
  (U+200B-U+200D), word joiner and invisible operators (U+2060-U+2064), the byte-order mark
  U+FEFF, U+180E, the soft hyphen U+00AD and the tag characters, whatever Unicode adds next;
- line and paragraph separators (Zl, Zp), which break a line where nothing shows one;
- lone surrogates (Cs), which no UTF-8 page or terminal can carry; one that stands for a
  byte of a name that is not UTF-8 (Python reads byte 0xff of a path or an environment
  variable as U+DCFF) is written as that byte, ``\\xff``, as a shell writes it
  (``$'/tmp/\\xff'``), not as ``\\udcff``, which names no character anyone typed;
- the few characters that count as letters yet draw nothing (the Hangul fillers, the
  combining grapheme joiner, two Khmer vowels), used to fake look-alike names.

Newline and tab stay: on a terminal they lay out multi-line text, and a page shows them as
white space, which can neither reorder nor hide anything. A backslash is not doubled, so a
path or a pattern reads as written; that ``\\u202e`` typed as seven characters looks like an
escaped U+202E is harmless, both being seven visible characters.

This module sits below both :mod:`merbench.cli` (``say`` and the Rich console) and
:mod:`merbench.leaderboard` (the templates' ``finalize`` hook and the hand-written SVG), so
the two cannot drift apart.
"""

from __future__ import annotations

import json
import re
import shlex
import unicodedata
from collections.abc import Mapping, Sequence

from merbench.base.near_zero import text_as_written

_KEPT = frozenset("\n\t")
_WITHOUT_KEPT = dict.fromkeys(map(ord, _KEPT))
_HIDDEN = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})
#: in a one-line record, a number of more digits than any merbench writes (a seed is at most
#: 20), or a word longer than any path, is shortened: a hand-edited result's 400-digit
#: ``protocol.n_folds`` or 5 MB note was printed whole, one line of 5,000,172 bytes
_DIGITS, _WORD = 40, 4096
_MANY_DIGITS = re.compile(rf"\d{{{_DIGITS + 1},}}")
_LONG_WORD = re.compile(rf"\S{{{_WORD + 1},}}")
# letters by category that draw nothing: the combining grapheme joiner, the Hangul choseong,
# jungseong, compatibility and halfwidth fillers, and the Khmer inherent vowels
_BLANK_LETTERS = frozenset("\u034f\u115f\u1160\u3164\uffa0\u17b4\u17b5")
# html.escape(quote=True)'s table, written out: importing html (and its table of entities)
# would cost 'merbench --help' more than this module's whole work
_HTML = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#x27;"})


def _shown(char: str) -> str:
    """``char`` itself, or its escape when it is one of the characters listed above."""
    if char in _KEPT:
        return char
    return _escaped(char)


def _escaped(char: str) -> str:
    """:func:`_shown`, newline and tab escaped too."""
    if "\udc80" <= char <= "\udcff":  # an undecodable byte of a path (surrogateescape)
        return f"\\x{ord(char) - 0xdc00:02x}"
    if char in _BLANK_LETTERS or unicodedata.category(char) in _HIDDEN:
        return char.encode("unicode_escape").decode("ascii")
    return char


def literal(text: object, *, one_line: bool = False) -> str:
    """``str(text)`` with every control, format, separator and invisible character written
    as its escape (newline and tab kept); the text of every page and every terminal line.

    ``one_line``: newline and tab escaped too, for a line that is one record of a listing
    (each result ``validate`` or ``status`` names): there a newline can only come from a
    name (a folder called ``a\\nb``), and printed it would split the record in two, the
    second half read as a line of its own."""
    shown = _plain(str(text), one_line)
    if one_line and len(shown) > _DIGITS:
        shown = _MANY_DIGITS.sub(_shortened, shown)
        if len(shown) > _WORD:
            shown = _LONG_WORD.sub(_shortened, shown)
    return shown


def _plain(shown: str, one_line: bool) -> str:
    """:func:`literal`, nothing shortened."""
    # every hidden character is unprintable to str.isprintable but the blank letters, so
    # the common case, plain text (lines of it, a page's markup), costs a few passes in C
    if _BLANK_LETTERS.isdisjoint(shown) and (shown.isprintable() or (
            not one_line and shown.translate(_WITHOUT_KEPT).isprintable())):
        return shown
    return "".join(map(_escaped if one_line else _shown, shown))


def _shortened(found: re.Match[str]) -> str:
    """A run of digits or of characters without a space, too long for a line, as its start
    and its length: ``100000000000…0000 (401 digits)``."""
    run = found.group()
    if run.isdigit():
        return f"{run[:12]}…{run[-4:]} ({len(run):,} digits)"
    # the sentence's own punctuation around the run (the ";" before "report it", the
    # quotes and brackets of a value) is kept around the shortened word, and not counted:
    # a message of 5,000,000 characters was said to be 5,000,001, its ";" lost (pass 84n,
    # N5)
    before = len(run) - len(run.lstrip(_OPENING))
    after = len(run) - len(run.rstrip(_CLOSING))
    if before > 3 or after > 3:  # no sentence's punctuation: a run of punctuation itself
        before = after = 0
    word = run[before:len(run) - after]
    return (f"{run[:before]}{word[:60]}… ({len(word):,} characters)"
            f"{run[len(run) - after:]}")


#: punctuation that opens a quote or a bracket, kept before a shortened run
_OPENING = "([{'\""
#: punctuation that ends a clause or closes a quote, kept after a shortened run
_CLOSING = ";:,.!?)]}'\""


def shell_word(text: object) -> str:
    """``text`` as one word a shell takes back as it is, for a command merbench prints to
    paste: ``shlex.quote`` (``'my keys/k.pub'``), or, where a character :func:`literal`
    escapes on one line is in it, ANSI-C quoting (``$'we\\nird/k.pub'``, as bash, zsh and
    ksh read it): quoted by ``shlex`` and then shown as one line, a newline read as the
    two characters ``\\n`` inside single quotes, naming a path that is not the file (walk
    85m, keygen's ``--trust``)."""
    shown = str(text)
    if _plain(shown, True) == shown:
        return shlex.quote(shown)
    escaped = "".join("\\\\" if char == "\\" else "\\'" if char == "'" else _escaped(char)
                      for char in shown)
    return f"$'{escaped}'"


#: how a hidden character is named where a name holding one is refused: the few typed or
#: pasted by mistake by their names, any other by its escape (``\\x01``, ``\\u202e``)
_CHARACTER_NAMES = {"\n": "a newline", "\t": "a tab", "\r": "a carriage return",
                    "\x1b": "ESC", "\x7f": "DEL", "\x00": "NUL"}


def hidden_character(text: object) -> str | None:
    """The first control, format or separator character of ``text`` (one that
    :func:`literal` escapes on one line), named as a refusal says it ("a control character
    (a newline)", "an invisible character (\\u202e)"), or None. A byte of a name that is
    not UTF-8 and a blank letter are not among them: a shell's ``$'...'`` carries them,
    and they are parts of names that file systems in other encodings hold."""
    for char in str(text):
        category = unicodedata.category(char)
        if category == "Cc":
            return f"a control character ({_CHARACTER_NAMES.get(char) or _escaped(char)})"
        if category in ("Cf", "Zl", "Zp"):
            return f"an invisible character ({_escaped(char)})"
    return None


def pasted_command(template: str, *words: object) -> str:
    """A command merbench prints for the user to paste and run next, as one line a POSIX
    shell takes back word for word: ``template`` is merbench's own words, each ``{}`` in it
    one of ``words`` (a path, a name), quoted by :func:`shell_word`, so a path with a space,
    a quote or a newline pastes as the path it is
    (``pasted_command("merbench status {}", out)``). The one home of such commands: printed
    as ``--results /tmp/a\\nb``, a sweep's folder was ``/tmp/anb`` once pasted (pass 84ab,
    AB9)."""
    return template.format(*map(shell_word, words))


def literal_html(text: object) -> str:
    """:func:`literal`, then HTML-escaped (quotes too): for markup merbench writes itself,
    such as inline SVG, which a page prints as it is, never escaping it again."""
    return literal(text).translate(_HTML)


def counted(n: int, noun: str, plural: str | None = None) -> str:
    """``n`` and its noun in the right number ("1 setting", "3 settings", "1,200 runs"): the
    one way a count reads, in a page's text or a terminal's."""
    return f"{n:,} {noun if n == 1 else plural or noun + 's'}"


def joined(words: Sequence[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``: the one way a list of names reads in a line."""
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


def indefinite(noun: str) -> str:
    """``noun`` with its indefinite article: "a spotting run", "an action-unit run"."""
    return f"{'an' if noun[:1].lower() in 'aeiou' else 'a'} {noun}"


def written(value: object) -> str:
    """An option's value as a user writes it: text in quotes (``'samm/006'``), anything else
    as JSON text (``["samm/006", 7]``, ``{"a": 1}``), never Python's repr (``{'a': 1}``,
    ``('3d58…', '5e0e…')``), which no command line, plan or JSON file spells."""
    if isinstance(value, str):
        return f"'{value}'"
    said = text_as_written(value)
    if said is not None:
        return said
    try:
        return json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):  # no JSON value (a set, a path): its own text
        return str(value)


def options_written(options: Mapping[str, object]) -> str:
    """Options as a command line gives them, each value as JSON (``criterion="foo"``,
    ``width=null``): Python's repr (``criterion='foo'``, ``None``, ``True``) is no spelling
    of ``--model-opt`` or of a plan (pass 84p, P11)."""
    def one(value: object) -> str:
        try:
            return json.dumps(value, ensure_ascii=False)
        except (TypeError, ValueError):  # no JSON value (a set, a path): its own text
            return str(value)
    return ", ".join(f"{key}={one(value)}" for key, value in options.items())

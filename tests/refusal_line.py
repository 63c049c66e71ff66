"""What a refusal is, as the user meets it: exit status 2, nothing on standard output, and one
line on standard error in merbench's words (no traceback). The tests of refusals share it."""

from __future__ import annotations


def refusal_line(code: int, out: str, err: str) -> str:
    """The one line of a refusal, after checking it is one."""
    assert code == 2, err
    assert out == "", out
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]

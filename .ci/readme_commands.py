"""Print the README's set-up commands, one per line, in the order the README gives them.

CI must check what a user does, word for word, so `.ci/run` runs the fenced ``bash`` blocks of
the README's "Set up" section as they are instead of keeping its own copy that could drift.
The section must hold exactly two one-line commands: the install-and-demo and the test command.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

SECTION = "## Set up"


def readme_commands(readme: Path) -> list[str]:
    text = readme.read_text(encoding="utf-8")
    start = text.find(f"\n{SECTION}\n")
    if start < 0:
        raise SystemExit(f"{readme}: no '{SECTION}' section; the README must keep it for CI")
    end = text.find("\n## ", start + len(SECTION) + 2)
    section = text[start:] if end < 0 else text[start:end]
    blocks = re.findall(r"^```bash\n(.*?)^```", section, flags=re.M | re.S)
    commands = [block.strip() for block in blocks]
    if len(commands) != 2 or any("\n" in c or not c for c in commands):
        raise SystemExit(f"{readme}: '{SECTION}' must hold exactly two one-line ```bash "
                         f"blocks (install-and-demo, tests); found {len(commands)}")
    return commands


if __name__ == "__main__":
    root = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parents[1]
    print("\n".join(readme_commands(root / "README.md")))

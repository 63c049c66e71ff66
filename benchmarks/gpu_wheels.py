"""The wheels a GPU session carries, and the GPU image they complete.

The GPU machines reach no package registry: what ``gpu_session.py`` runs must be in their
image (``gpu_image_packages.txt``, copied from the device tool's KINDS.md) or travel as a
wheel pinned in ``gpu_wheels.txt``. Here, before a window::

    python benchmarks/gpu_wheels.py download      # into .whl/ (git-ignored), about 5.5 MB

and the device call names ``.whl`` in ``carry``; on the GPU machine ``gpu_session.py``
installs them first (:func:`install_command`) into ``/tmp/site`` and puts that on
``PYTHONPATH`` for every step. ``tests/test_gpu_travel.py`` checks that every package a
rehearsed step imports is in one list or the other.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
IMAGE_LIST = HERE / "gpu_image_packages.txt"
WHEEL_LIST = HERE / "gpu_wheels.txt"
WHEELS = HERE.parent / ".whl"
SITE = Path("/tmp/site")
# the device tool's README: the image's Python and the platforms its pip matches exactly
PLATFORMS = ("manylinux_2_28_x86_64", "manylinux_2_27_x86_64", "manylinux_2_17_x86_64",
             "manylinux2014_x86_64", "manylinux1_x86_64")


def normalised(name: str) -> str:
    """A distribution's name as pip compares them (PEP 503)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def _lines(path: Path) -> list[str]:
    return [line.split("#", 1)[0].strip() for line in path.read_text().splitlines()
            if line.split("#", 1)[0].strip()]


def image_packages() -> set[str]:
    return {normalised(line) for line in _lines(IMAGE_LIST)}


def pinned_wheels() -> dict[str, str]:
    """``name -> version`` of every carried wheel; each line must pin one version."""
    pins = {}
    for line in _lines(WHEEL_LIST):
        name, sep, version = line.partition("==")
        if not sep or not version:
            raise SystemExit(f"{WHEEL_LIST}: '{line}' pins no version; write NAME==VERSION")
        pins[normalised(name)] = version
    return pins


# Other builds of a package the image has, installing the same module: merbench asks for
# OpenCV's contrib build (TV-L1), the image has the plain one. Its cv2 reads and resizes
# images as the contrib one does; cv2.optflow (TV-L1) is not there, which is why flow
# features are computed and saved on the CPU before a window, never in one.
SAME_MODULE = {"opencv-contrib-python-headless": "opencv-python-headless",
               "opencv-contrib-python": "opencv-python-headless",
               "opencv-python": "opencv-python-headless"}
OWN = {"merbench"}  # the checkout travels and installs with --no-deps


def _requirements(name: str) -> set[str]:
    """What the installed distribution ``name`` requires (no extras), normalised."""
    from importlib.metadata import PackageNotFoundError, requires

    try:
        listed = requires(name) or []
    except PackageNotFoundError:
        return set()
    return {normalised(re.split(r"[\s;<>=!~\[(]", r, maxsplit=1)[0]) for r in listed
            if "extra ==" not in r and "extra==" not in r}


def allowed_distributions() -> set[str]:
    """Distributions whose modules a GPU step may import: the image's and the carried
    wheels', merbench's own, and what those require as installed here (a newer local
    huggingface-hub needs httpx2; the image's own version brings what it needs)."""
    allowed = image_packages() | set(pinned_wheels()) | OWN
    todo = [d for d in allowed if d not in OWN]
    while todo:
        for needed in _requirements(todo.pop()):
            if needed not in allowed:
                allowed.add(needed)
                todo.append(needed)
    return allowed


def is_allowed(distribution: str, allowed: set[str]) -> bool:
    name = normalised(distribution)
    return SAME_MODULE.get(name, name) in allowed


def download_command(dest: Path = WHEELS) -> list[str]:
    command = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
               "--python-version", "3.12", "--implementation", "cp", "-d", str(dest)]
    for platform in PLATFORMS:
        command += ["--platform", platform]
    return command + [f"{name}=={version}" for name, version in pinned_wheels().items()]


def install_command(wheels: Path = WHEELS, site: Path = SITE) -> list[str]:
    """What the GPU machine runs before any step (no index, no dependencies resolved)."""
    return [sys.executable, "-m", "pip", "install", "-q", "--no-index", "--no-deps",
            "--no-compile", "--no-cache-dir", "--upgrade", "--target", str(site),
            *sorted(str(p) for p in wheels.glob("*.whl"))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=("download", "list"),
                        help="download: fetch the pinned wheels into --dest; list: print them")
    parser.add_argument("--dest", type=Path, default=WHEELS)
    args = parser.parse_args(argv)
    if args.action == "list":
        for name, version in pinned_wheels().items():
            print(f"{name}=={version}")
        return 0
    return subprocess.run(download_command(args.dest), check=False).returncode


if __name__ == "__main__":
    sys.exit(main())

"""The Ed25519 keys of audit signers: a private key to sign audits with (``merbench audit
--sign KEY``) and its public key for builds to trust (``merbench leaderboard build --trust
KEYS``), both made by ``merbench keygen``.

The private key is a PEM file (PKCS#8, no passphrase: it is meant to live in a CI secret or
a file only its owner can read, mode 0600). The public key is one line beside it,
``KEY.pub``: the type tag ``ed25519``, the raw 32-byte key in base64 and an optional name
(whose key it is), so a file of trusted keys is those lines one after another and a key is
told from another by reading it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from merbench.base.atomic import atomic_write_bytes
from merbench.base.errors import MerbenchError
from merbench.base.file_kinds import path_kind
from merbench.base.link_loop import loop_said
from merbench.results.out_folders import (
    entry_in_the_way,
    refuse_missing_folder,
    refuse_unwritable_shape,
)
from merbench.results.safe_files import entry_kind
from merbench.results.user_files import (
    LfsPointer,
    UnreadableFile,
    read_user_bytes,
    read_user_text,
)

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

KEY_TYPE = "ed25519"  # the tag of a public-key line
KEY_BYTES = 32  # an Ed25519 public key, raw
MAX_KEY_FILE = 64 * 1024  # a key file is a few hundred bytes; nothing larger is read
_KEY_LINE = f"'{KEY_TYPE} BASE64 [name]' as 'merbench keygen' writes it in KEY.pub"


@dataclass(frozen=True)
class PublicKey:
    """A signer's public key and the name it was given (whose key it is), if any."""

    raw: bytes
    name: str | None = None

    @property
    def encoded(self) -> str:
        return base64.b64encode(self.raw).decode()

    @property
    def fingerprint(self) -> str:
        """A short name of the key for people to compare (trust goes by the whole key)."""
        return f"{KEY_TYPE}:{hashlib.sha256(self.raw).hexdigest()[:16]}"

    @property
    def shown(self) -> str:
        return self.fingerprint + (f" ({self.name})" if self.name else "")

    def line(self) -> str:
        return " ".join([KEY_TYPE, self.encoded, *([self.name] if self.name else [])])


def decode_public_key(text: str) -> bytes:
    """The raw key of base64 ``text``; ValueError unless it is 32 bytes of base64."""
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("the key is not base64") from None
    if len(raw) != KEY_BYTES:
        raise ValueError(f"the key is {len(raw)} bytes, an Ed25519 key {KEY_BYTES}")
    return raw


#: a ``#`` after a space on a key's line starts a comment, as a ``#`` starting a line does:
#: base64 holds no ``#``, so only a name can end there (``keygen --name`` takes none with it)
_TRAILING_COMMENT = re.compile(r"\s#")


def parse_public_key(line: str) -> PublicKey:
    """A public-key line, any trailing ``# comment`` left out of the key's name (a file of
    trusted keys is commented as lines of their own and at a line's end alike); ValueError
    saying what is wrong with it."""
    parts = _TRAILING_COMMENT.split(line, maxsplit=1)[0].strip().split(maxsplit=2)
    if len(parts) < 2 or parts[0] != KEY_TYPE:
        raise ValueError(f"not a public key ({_KEY_LINE})")
    return PublicKey(decode_public_key(parts[1]), parts[2] if len(parts) == 3 else None)


def _read_small(path: Path, what: str) -> bytes:
    """A key file's bytes; one line when it is missing, not a file or too large."""
    if not path.is_file():
        # under a file no key can be: keygen refuses that --out (pass 84x, X13)
        above = None if path.exists() else entry_in_the_way(path)
        if above is not None:
            raise MerbenchError(f"{what} {path}: {above} is {entry_kind(above)}, not a folder; "
                                "give the path of a key 'merbench keygen' wrote")
        if path.exists() and not path.is_dir():  # a pipe, a device: the key is there
            raise MerbenchError(_not_regular(path, what))
        problem = "not a file" if path.exists() else loop_said(path) or "no such file"
        raise MerbenchError(f"{what} {path}: {problem}; make a key with 'merbench keygen "
                            "--out KEY'")
    try:
        return read_user_bytes(path, f"{what} file", MAX_KEY_FILE)
    except LfsPointer as exc:  # fetched, not made again with keygen
        raise MerbenchError(f"{what} {path} {exc.reason}") from None
    except UnreadableFile as exc:
        raise MerbenchError(f"{what} {path} {exc.reason}; give the file 'merbench keygen' "
                            "wrote") from None


def _not_regular(path: Path, what: str) -> str:
    """The refusal of a key given as a pipe or a device (``--sign /dev/stdin``, ``--sign
    <(...)``): the user has the key, so the fix is to write it to a file, never to make a
    new one, which no build trusts. Only a regular file is read: a pipe is gone once read,
    and a device may never end."""
    kind = path_kind(path)
    kind = "a pipe" if kind == "a fifo" else kind
    if what == "--sign":
        fix = ("write the key to a file of mode 0600 first (umask 077; printf '%s\\n' "
               '"$AUDIT_KEY" > KEY), as the user guide\'s CI example does')
    else:
        fix = "write the public keys to a file first (printf '%s\\n' \"$KEYS\" > trusted-keys)"
    return (f"{what} {path} is {kind}, not a regular file: merbench reads a key only from a "
            f"regular file; {fix}")


def read_trusted_keys(paths: list[Path]) -> dict[bytes, PublicKey]:
    """The keys in ``paths`` (files of public-key lines; blank lines and ``#`` comments
    skipped), by raw key. A line that is not a key is one error naming the file and line.
    A key given again is one key where its names do not differ (a file given twice, key
    rings pasted together); given two names it is refused, as the build credited every
    audit to whichever came first, not to the name its signer gave (pass 84u, U5)."""
    keys: dict[bytes, PublicKey] = {}
    given_at: dict[bytes, tuple[Path, int]] = {}  # where each key's name was read
    for path in paths:
        try:
            # a UTF-8 byte-order mark (Notepad's) read past, as in the private key and every
            # other file merbench reads: it was "line 1: not a public key" (pass 84k, R17)
            text = _read_small(Path(path), "--trust").decode("utf-8").removeprefix("\ufeff")
        except UnicodeDecodeError:
            raise MerbenchError(f"--trust {path} is not a text file of public keys; each "
                                f"line is {_KEY_LINE}") from None
        found = 0
        # lines end at newlines only: splitlines() would also end one at a U+2028 or a form
        # feed inside a key's name, and report the key's second half as a line of its own
        for number, line in enumerate(text.replace("\r\n", "\n").split("\n"), 1):
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            try:
                key = parse_public_key(line)
            except ValueError as exc:
                hint = "" if _KEY_LINE in str(exc) else f"; each line is {_KEY_LINE}"
                raise MerbenchError(f"--trust {path} line {number}: {exc}{hint}") from None
            earlier = keys.get(key.raw)
            if earlier is None or earlier.name is None:  # a name given later is kept
                keys[key.raw], given_at[key.raw] = key, (Path(path), number)
            elif key.name is not None and key.name != earlier.name:
                raise MerbenchError(_named_twice(given_at[key.raw], (Path(path), number),
                                                 earlier, key.name))
            found += 1
        if not found:
            raise MerbenchError(f"--trust {path} holds no public key; give a file of lines "
                                f"{_KEY_LINE}")
    return keys


def _named_twice(first: tuple[Path, int], second: tuple[Path, int], key: PublicKey,
                 name: str) -> str:
    """The refusal of a key given two names: where each was given, the key, both names."""
    if first[0] == second[0]:
        where = f"--trust {first[0]} lines {first[1]} and {second[1]}"
    else:
        where = f"--trust {first[0]} line {first[1]} and --trust {second[0]} line {second[1]}"
    return (f'{where} give key {key.fingerprint} two names, "{key.name}" and "{name}"; keep '
            "one (the key's owner's)")


@dataclass(frozen=True)
class SigningKey:
    """A private key with its public half (named as in ``KEY.pub`` beside it, if any)."""

    private: Ed25519PrivateKey
    public: PublicKey

    def sign(self, payload: bytes) -> bytes:
        return self.private.sign(payload)


def public_key_path(key: Path) -> Path:
    return key.with_name(key.name + ".pub")


#: the first line of a PEM private key of any kind ("PRIVATE KEY", "ENCRYPTED PRIVATE KEY",
#: "OPENSSH PRIVATE KEY"): a file of two keys, pasted together by mistake, signed silently
#: with the first (pass 84p, P7)
_PRIVATE_BLOCK = re.compile(rb"-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----")


def private_key_said(path: Path) -> str | None:
    """Why the result at ``path`` (a folder, or one of its files) must not be published
    where a file in its folder holds a PEM private key (a signing key copied next to the run
    it signs), naming that file; None otherwise. A result's folder is what gets published
    (copied into ``leaderboards/results`` and committed), and ``validate`` passed one with
    a private key in it, as it looks at no file that is not the result's. Files too large
    to be a key are not read."""
    folder = Path(path) if Path(path).is_dir() else Path(path).parent
    try:
        entries = sorted(os.scandir(folder), key=lambda entry: entry.name)
    except OSError:  # a folder that cannot be listed is its kind's check to say
        return None
    for entry in entries:
        try:
            if not entry.is_file(follow_symlinks=False) or \
                    entry.stat(follow_symlinks=False).st_size > MAX_KEY_FILE:
                continue
            found = _PRIVATE_BLOCK.search(read_user_bytes(Path(entry.path), "file",
                                                          MAX_KEY_FILE))
        except (OSError, UnreadableFile):  # a file that cannot be read: its own check's
            continue
        if found:
            return (f"{entry.name} holds a private key, which must not be published with the "
                    f"result: move it out of {folder} and make a new key ('merbench keygen "
                    "--out KEY' outside result folders), as this one may already be copied")
    return None


def load_signing_key(path: Path) -> SigningKey:
    """The private key in ``path``; one line naming it when it is missing, a public key,
    encrypted, of another algorithm or not a key at all."""
    path = Path(path)
    data = _read_small(path, "--sign")
    # deferred: cryptography, which only signing and key files need (a GPU window's image
    # lacks it, and its runs and tunings sign nothing)
    from cryptography.exceptions import UnsupportedAlgorithm
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import (
        Ed25519PrivateKey as PrivateKey,
    )

    if data.lstrip().startswith(KEY_TYPE.encode()):
        raise MerbenchError(f"--sign {path} is a public key; give the private key file "
                            "beside it (the one without .pub)")
    blocks = len(_PRIVATE_BLOCK.findall(data))
    if blocks > 1:  # the library reads the first alone: which signs hung on the file's order
        raise MerbenchError(f"--sign {path} holds {blocks} private keys; give a file "
                            "with one")
    try:
        private = serialization.load_pem_private_key(data, password=None)
    except TypeError:  # cryptography: a password is needed
        raise MerbenchError(f"--sign {path} is protected by a passphrase; merbench signs "
                            "with keys that have none (keep the file private instead: a CI "
                            "secret, or mode 0600)") from None
    except (ValueError, UnsupportedAlgorithm):  # the library's text is a link and its codes
        raise MerbenchError(f"--sign {path} is not a PEM private key; give the file "
                            "'merbench keygen --out KEY' wrote") from None
    if not isinstance(private, PrivateKey):
        kind = type(private).__name__.removeprefix("_").removesuffix("PrivateKey")
        raise MerbenchError(f"--sign {path} holds a {kind} key; merbench signs with Ed25519 "
                            "keys ('merbench keygen --out KEY')")
    raw = private.public_key().public_bytes(serialization.Encoding.Raw,
                                            serialization.PublicFormat.Raw)
    return SigningKey(private, PublicKey(raw, _name_beside(path, raw)))


def _name_beside(path: Path, raw: bytes) -> str | None:
    """The name ``KEY.pub`` gives the key, when that file is there and is this key's."""
    try:
        key = parse_public_key(read_user_text(public_key_path(path), "public key file"))
    except (MerbenchError, ValueError):
        return None
    return key.name if key.raw == raw else None


#: the longest name ``keygen --name`` gives a key: a person's or a group's name and address
#: fit many times over, and a name of 100,000 characters was shown with every signature
MAX_KEY_NAME = 200


def write_key_pair(out: Path, name: str | None) -> PublicKey:
    """A new key: the private key to ``out`` (mode 0600) and its public line to
    ``out.pub``. Neither file may exist; the private key is created exclusively, so a key
    is never overwritten."""
    out = Path(out)
    if out.name in ("", ".", ".."):  # '' and '.' are both Path('.'): a folder, no file name
        raise MerbenchError(f"--out '{out}' names no file; give the path of the private key "
                            "to write, e.g. --out keys/audit-key (KEY.pub goes beside it)")
    public_path = public_key_path(out)
    if name is not None and (not name.strip() or any(not c.isprintable() for c in name)):
        raise MerbenchError("--name takes a printable name on one line, such as the "
                            "maintainer's e-mail address")
    if name is not None and "#" in name:  # in KEY.pub, '#' starts a comment after the key
        raise MerbenchError("--name may not hold '#', which starts a comment in a file of "
                            "public keys; give a name without it, such as the maintainer's "
                            "e-mail address")
    if name is not None and len(name.strip()) > MAX_KEY_NAME:  # shown with every signature
        raise MerbenchError(f"--name is {len(name.strip()):,} characters long, more than the "
                            f"{MAX_KEY_NAME} a key's name may have (it is shown with every "
                            "signature); give a short one, such as the maintainer's e-mail "
                            "address")
    # deeper or longer than a path can be: the system's "File name too long" came through
    refuse_unwritable_shape(out, "--out", "keys/audit-key", noun="file")
    for path in (out, public_path):
        if os.path.lexists(path):
            # the path once: "--out k1 is a fifo", or "--out k1: k1.pub exists"
            where = f"--out {out}" if path == out else f"--out {out}: {path.name}"
            kind = entry_kind(path)
            if kind == "a file":
                raise MerbenchError(f"{where} exists; merbench never overwrites a key: "
                                    "choose another name, or move the old key away")
            raise MerbenchError(f"{where} is {kind}, not a file; merbench writes a key only "
                                "to a new file: give another --out, such as keys/audit-key")
    refuse_missing_folder(out)
    # deferred: cryptography, which only signing and key files need (a GPU window's image
    # lacks it, and its runs and tunings sign nothing)
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import (
        Ed25519PrivateKey as PrivateKey,
    )

    private = PrivateKey.generate()
    pem = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.fchmod(fd, 0o600)  # whatever the umask: only its owner may read a private key
        os.write(fd, pem)
        os.fsync(fd)
    finally:
        os.close(fd)
    raw = private.public_key().public_bytes(serialization.Encoding.Raw,
                                            serialization.PublicFormat.Raw)
    public = PublicKey(raw, name.strip() if name else None)
    atomic_write_bytes(public_path, (public.line() + "\n").encode())
    return public

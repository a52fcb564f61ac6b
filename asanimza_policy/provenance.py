"""What a policy version is made of, as bytes: its file and the source text it cites.

A version's *digest* is the SHA-256 of both, with line endings normalised
(``\\r\\n`` and ``\\r`` read as ``\\n``), so a checkout on another platform has the
same digest.  Decisions carry it (``policy_digest``) so a logged answer names
exactly what it came from, and the lock file (:mod:`asanimza_policy.lock`)
records it for published versions, which may then never change.

Kept free of heavy imports: the registry computes the digest when it loads a
version, on the evaluate path.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from .loader import read_regular

MAX_SOURCE_BYTES = 5_000_000
MAX_POLICY_BYTES = 5_000_000


def normalized(raw: bytes) -> bytes:
    """``raw`` with every line ending as ``\\n`` (and no UTF-8 byte-order mark)."""
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    return raw.replace(b"\r\n", b"\n").replace(b"\r", b"\n")


def read_source_bytes(policy_file: Path, relative: str) -> bytes:
    """The policy's source text as bytes: a regular file of at most
    ``MAX_SOURCE_BYTES`` inside the policy's folder (symbolic links resolved),
    so that ``check`` run on someone else's policy never reads, or quotes,
    a file outside it.  ``ValueError`` says what is wrong."""
    folder = Path(policy_file).resolve().parent
    target = (folder / relative).resolve()
    if not target.is_relative_to(folder):
        raise ValueError("is outside the policy's folder; keep the source text beside the policy file")
    try:
        raw = read_regular(target, MAX_SOURCE_BYTES)
    except FileNotFoundError:
        raise ValueError("not found (next to the policy file)") from None
    except OSError as e:
        raise ValueError(f"cannot be read: {e.strerror or e}") from None
    if len(raw) > MAX_SOURCE_BYTES:
        raise ValueError(f"is larger than {MAX_SOURCE_BYTES:,} bytes")
    return raw


def read_source(policy_file: Path, relative: str) -> str:
    """The policy's source text (see :func:`read_source_bytes`), decoded."""
    try:
        return read_source_bytes(policy_file, relative).decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValueError("is not UTF-8 text") from None


@dataclass(frozen=True)
class Hashes:
    """SHA-256 (hex) of the normalised policy file, of its source text, and of both."""
    policy: str
    source: str | None              # None: the source text could not be read
    digest: str

    def to_dict(self) -> dict:
        return {"digest": self.digest, "policy_sha256": self.policy, "source_sha256": self.source}


def hashes(policy_file: Path, source_path: str | None) -> Hashes:
    """The hashes of one version; ``OSError`` when the policy file cannot be read.
    A source text that cannot be read hashes as empty (``check`` reports it)."""
    source = None
    if source_path:
        try:
            source = read_source_bytes(policy_file, source_path)
        except ValueError:
            source = None
    return hashes_of(read_regular(policy_file, MAX_POLICY_BYTES), source)


def hashes_of(policy_raw: bytes, source_raw: bytes | None) -> Hashes:
    """The hashes of one version from the bytes of its file and of its source
    text (``None``: it could not be read)."""
    policy = hashlib.sha256(normalized(policy_raw)).hexdigest()
    source = None if source_raw is None else hashlib.sha256(normalized(source_raw)).hexdigest()
    digest = hashlib.sha256(f"policy {policy}\nsource {source or '-'}\n".encode()).hexdigest()
    return Hashes(policy, source, digest)

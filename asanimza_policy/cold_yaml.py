"""The plain form of a YAML context, read without a YAML parser.

A context file a person writes is mostly one ``field: value`` per line, with
comments.  :func:`flat_yaml` reads exactly that form and gives what the
project's YAML reader (``loader.load_text``) gives for it; for anything else
(quotes with escapes, flow or block collections, anchors, tags, tabs, documents,
non-ASCII text, duplicate keys, a value YAML reads as a number other than a
plain integer, ...) it returns ``None`` and the ordinary path reads the file.
A test compares both readers on generated files.

What is read, line by line (``\\n`` only; no ``\\r``, no tab, ASCII printable):

* a blank line, or a comment line (spaces, then ``#``);
* ``key: value`` from the first column, then optionally spaces and a ``#`` comment:
  the key a name of letters, digits and ``_`` not starting with a digit and not
  ``true``/``false``/``null`` in any of YAML's spellings; the value a word of
  letters, digits, ``_`` and ``-``, optionally in plain single or double quotes:
  ``true``/``false`` (any of YAML's spellings) are booleans, ``null`` is
  ``None``, an optional sign and up to 18 digits an integer, a word starting
  with a letter or ``_`` (or any quoted word) text, a ``YYYY-MM-DD`` of digits
  text (the loader makes no dates).
"""
from __future__ import annotations

_TRUE = ("true", "True", "TRUE")
_FALSE = ("false", "False", "FALSE")
_NULL = ("null", "Null", "NULL")
_WORD = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-")
_DIGITS = frozenset("0123456789")
_LETTERS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_")
_PRINTABLE = bytes(range(32, 127)) + b"\n"


class _Unread(Exception):
    pass


def flat_yaml(raw: bytes) -> dict | None:
    """The mapping the plain-form text ``raw`` holds, or ``None``."""
    if raw.translate(None, _PRINTABLE):           # a byte outside printable ASCII and \\n
        return None
    out: dict = {}
    try:
        for line in raw.decode("ascii").split("\n"):
            body = line.lstrip(" ")
            if not body or body[0] == "#":
                continue
            if len(body) != len(line):
                return None                          # indented: a continuation, or a nested block
            key, sep, rest = line.partition(":")
            if not sep or not rest.startswith(" ") or not _key(key) or key in out:
                return None
            value = rest.strip(" ")
            comment = value.find(" #")
            if comment >= 0:
                value = value[:comment].rstrip(" ")
            out[key] = _value(value)
    except _Unread:
        return None
    return out or None


def _key(key: str) -> bool:
    return (key[:1] in _LETTERS and set(key) <= _WORD and "-" not in key
            and key not in _TRUE + _FALSE + _NULL)


def _value(v: str) -> object:
    if len(v) >= 2 and v[0] == v[-1] and v[0] in "'\"":
        inner = v[1:-1]
        if inner and set(inner) <= _WORD:
            return inner
        raise _Unread
    if not v or not set(v) <= _WORD:
        raise _Unread
    if v in _TRUE:
        return True
    if v in _FALSE:
        return False
    if v in _NULL:
        return None
    if v[0] in _LETTERS:
        return v
    digits = v[1:] if v[0] == "-" else v
    if digits and set(digits) <= _DIGITS and len(digits) <= 18:
        return int(v)
    if len(v) == 10 and v[4] == "-" and v[7] == "-" and set(v[:4] + v[5:7] + v[8:]) <= _DIGITS:
        return v
    raise _Unread

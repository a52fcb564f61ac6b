"""YAML text -> plain data with source positions, safely.

PyYAML's composers are recursive (the C one crashes on deep nesting, the Python
one raises RecursionError) and ``safe_load`` keeps the last of duplicate keys
and expands aliases without limit.  So this module reads the parser's *event
stream* and builds the values itself, iteratively, with:

* duplicate keys refused at every level, at the position of the second key;
* no tags beyond YAML's core ones, no merge keys (``<<``);
* YAML 1.2-style scalars: only ``true``/``false`` are booleans (``yes``, ``on``
  and friends stay strings), integers are decimal, nothing becomes a date;
* bounded cost: a byte limit, a nesting limit and a limit on the number of
  nodes *after* alias expansion (an alias counts as the whole subtree it
  repeats, so a "billion laughs" document is refused before anyone walks it);
  the nesting limit holds for the built data too, aliases included, so no
  later (recursive) reader meets data deeper than ``max_depth``;
* regular files only: a FIFO, a device or a folder is refused before a byte is
  read, so nothing blocks on it or reads it without end;
* text that is valid Unicode: a ``"\\ud800"`` escape that leaves half of a
  surrogate pair is refused (it could not be written out again as UTF-8).

Every value's position is kept by its path (a tuple of keys and indices), and
every mapping key's position too, so later stages can report
``path:line:col`` for any node.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from .errors import PolicyError
from .findings import Finding, Position
from .readfile import NotAFile, read_regular  # noqa: F401  (named here too: loader.NotAFile)

MAX_BYTES = 5_000_000
MAX_DEPTH = 64
MAX_NODES = 200_000

# PyYAML is imported on the first parse, not with this module: a policy read
# from the private cache of parsed files (cache.py) needs no YAML parser at all.
yaml: Any = None
_Loader: Any = None


def _parser():
    """The parser plus a resolver with YAML 1.2 core-schema scalars."""
    global yaml, _Loader
    if _Loader is None:
        import yaml as pyyaml

        # libyaml's parser when PyYAML was built with it, the pure-Python one otherwise;
        # to the type checker both are SafeLoader
        if TYPE_CHECKING:
            class Loader(pyyaml.SafeLoader):
                pass
        else:
            class Loader(getattr(pyyaml, "CSafeLoader", pyyaml.SafeLoader)):
                pass

        Loader.yaml_implicit_resolvers = {}
        Loader.add_implicit_resolver(
            "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))
        Loader.add_implicit_resolver(
            "tag:yaml.org,2002:int", re.compile(r"^[-+]?[0-9]+$"), list("-+0123456789"))
        Loader.add_implicit_resolver(
            "tag:yaml.org,2002:float",
            re.compile(r"^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)(?:[eE][-+]?[0-9]+)?$|^[-+]?[0-9]+[eE][-+]?[0-9]+$"),
            list("-+0123456789."))
        Loader.add_implicit_resolver(
            "tag:yaml.org,2002:null", re.compile(r"^(?:~|null|Null|NULL|)$"), ["~", "n", "N", ""])
        yaml, _Loader = pyyaml, Loader
    return _Loader


_STR, _INT, _FLOAT, _BOOL, _NULL = (f"tag:yaml.org,2002:{t}" for t in ("str", "int", "float", "bool", "null"))
_SEQ, _MAP = "tag:yaml.org,2002:seq", "tag:yaml.org,2002:map"
_ALLOWED_TAGS = {_STR, _INT, _FLOAT, _BOOL, _NULL, _SEQ, _MAP}

JSONPath = tuple
_SURROGATE = re.compile("[\ud800-\udfff]")


def _join_surrogates(v: str, mark) -> str:
    """Pairs written as two escapes (``"\\ud83d\\ude00"``) become one character;
    half a pair is refused."""
    try:
        return v.encode("utf-16-le", "surrogatepass").decode("utf-16-le")
    except UnicodeDecodeError:
        raise _Fail("YAML_ENCODING", "an escape leaves half of a surrogate pair (\\ud800-\\udfff); "
                    "write the character itself", mark) from None


@dataclass(frozen=True)
class Document:
    """The data of one YAML document and where each part of it came from."""

    path: str
    data: Any
    positions: dict = field(repr=False)       # value path -> Position
    key_positions: dict = field(repr=False)   # value path -> Position of its key
    styles: dict = field(repr=False)          # scalar path -> YAML style ('', "'", '"', '|', '>')

    def pos(self, path: JSONPath = ()) -> Position:
        """Position of the value at ``path``, or of its nearest known ancestor."""
        path = tuple(path)
        while path not in self.positions and path:
            path = path[:-1]
        return self.positions.get(path, Position())

    def key_pos(self, path: JSONPath) -> Position:
        """Position of the key that holds ``path`` (falls back to the value)."""
        path = tuple(path)
        return self.key_positions.get(path) or self.pos(path)

    def text_offset(self, path: JSONPath) -> int:
        """Columns between a scalar's position and its first character."""
        return 1 if self.styles.get(tuple(path)) in ("'", '"') else 0


class _Fail(Exception):
    def __init__(self, code: str, message: str, mark):
        self.finding = (code, message, mark)


def _p(mark) -> Position:
    return Position(mark.line + 1, mark.column + 1) if mark is not None else Position()


_START = Position()   # a problem with the file as a whole is shown at its start


def load_text(text: str | bytes, path: str = "<string>", *, max_bytes: int = MAX_BYTES,
              max_nodes: int = MAX_NODES, max_depth: int = MAX_DEPTH) -> Document:
    """Parse one YAML document; raise :class:`PolicyError` with positions on any problem."""
    def fail(code: str, message: str, pos: Position = _START) -> NoReturn:
        raise PolicyError([Finding.at(code, message, path, pos)])

    if isinstance(text, bytes):
        if len(text) > max_bytes:
            fail("YAML_TOO_LARGE", f"more than {max_bytes:,} bytes; the limit is {max_bytes:,}")
        try:
            source = text.decode("utf-8")
        except UnicodeDecodeError as e:
            line = text.count(b"\n", 0, e.start) + 1
            line_start = text.rfind(b"\n", 0, e.start) + 1
            col = len(text[line_start:e.start].decode("utf-8", errors="replace")) + 1
            fail("YAML_ENCODING", f"not UTF-8: byte 0x{text[e.start]:02x} cannot be decoded",
                 Position(line, col))
    else:
        source = text
        if len(source) > max_bytes:
            fail("YAML_TOO_LARGE", f"more than {max_bytes:,} characters; the limit is {max_bytes:,}")
    if source.startswith("\ufeff"):
        source = source[1:]
    _parser()           # PyYAML, for the parse and for the errors caught below
    try:
        data, positions, keys, styles = _build(source, max_nodes, max_depth)
    except _Fail as e:
        code, message, mark = e.finding
        fail(code, message, _p(mark))
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        message = e.problem or "invalid YAML"
        if e.context:
            message = f"{message} ({e.context})"
        if mark is not None and _char_at(source, mark) == "\t":
            message = "a tab cannot indent YAML; use spaces"
        elif mark is not None:
            message += _indentation_hint(source, mark, e.problem or "")
        if "nesting depth" in message:  # libyaml >= 0.2.5 stops its own scanner first
            fail("YAML_TOO_DEEP", f"nesting deeper than {max_depth} levels", _p(mark))
        fail("YAML_SYNTAX", message, _p(mark))
    except yaml.reader.ReaderError as e:
        char = chr(e.character) if isinstance(e.character, int) else e.character
        before = source[: e.position] if isinstance(e.position, int) else ""
        pos = Position(before.count("\n") + 1, len(before) - (before.rfind("\n") + 1) + 1)
        fail("YAML_SYNTAX", f"character {char!r} is not allowed in YAML", pos)
    except yaml.YAMLError as e:  # pragma: no cover - other parser errors
        fail("YAML_SYNTAX", str(e).splitlines()[0])
    return Document(path, data, positions, keys, styles)


# Problems PyYAML reports when a line is indented more or less than its
# siblings; "mapping values are not allowed" only counts when the line's
# indentation differs from the line above (else it is a colon in a value).
_INDENT = re.compile(r"[ ]*(?:-[ ]+)*")
_INDENT_PROBLEMS = ("did not find expected key", "did not find expected '-' indicator", "expected <block end>")


def _indent(line: str) -> int:
    """Columns before a line's content, list dashes counted as indentation."""
    m = _INDENT.match(line)             # the pattern matches the empty string, so never None
    return m.end() if m else 0


def _indentation_hint(text: str, mark, problem: str) -> str:
    lines = text.split("\n")
    if mark.line >= len(lines):
        return ""
    here = lines[mark.line]
    above = next((i for i in range(mark.line - 1, -1, -1)
                  if lines[i].strip() and not lines[i].lstrip().startswith("#")), None)
    if above is None:
        return ""
    indent, above_indent = (_indent(ln) for ln in (here, lines[above]))
    if problem.startswith(_INDENT_PROBLEMS) or (problem.startswith("mapping values are not allowed")
                                                and indent != above_indent):
        if indent != above_indent:
            return (f"; the indentation is the likely cause: line {mark.line + 1} is indented {indent} "
                    f"space{'s' if indent != 1 else ''}, line {above + 1} above it {above_indent}")
        return "; the indentation is the likely cause: keys of one mapping line up, each level deeper by the same"
    return ""


def _char_at(text: str, mark) -> str:
    lines = text.split("\n")
    if mark.line < len(lines) and mark.column < len(lines[mark.line]):
        return lines[mark.line][mark.column]
    return ""


def load_file(path: str | Path, display: str | None = None, **limits) -> Document:
    """Read and parse a regular file; ``OSError`` (``NotAFile`` for a folder,
    FIFO or device) propagates for the caller to report."""
    raw = read_regular(path, limits.get("max_bytes", MAX_BYTES))
    return load_text(raw, display or str(path), **limits)


def _scalar(loader, event):
    tag = event.tag
    if tag in (None, "!"):
        tag = loader.resolve(yaml.ScalarNode, event.value, event.implicit)
    elif tag in (_BOOL, _NULL, _INT, _FLOAT):
        # an explicit !!bool / !!null / ... must be spelled as that type would be
        plain = loader.resolve(yaml.ScalarNode, event.value, (True, False))
        if plain != tag:
            kind = tag.rsplit(":", 1)[1]
            raise _Fail("YAML_TAG", f"{event.value!r} is not a valid {kind} for tag !!{kind}", event.start_mark)
    if tag not in _ALLOWED_TAGS or tag in (_SEQ, _MAP):
        raise _Fail("YAML_TAG", f"tag {event.tag} is not allowed (only plain YAML values)", event.start_mark)
    v = event.value
    if event.style == '"' and _SURROGATE.search(v):
        v = _join_surrogates(v, event.start_mark)
    try:
        if tag == _STR:
            return v
        if tag == _NULL:
            return None
        if tag == _BOOL:
            return v.lower() == "true"
        if tag == _INT:
            if len(v.lstrip("+-")) > 18:
                raise _Fail("YAML_NUMBER", f"integer {v[:20]}... is too long", event.start_mark)
            return int(v)
        return float(v)
    except ValueError:
        raise _Fail("YAML_NUMBER", f"{v!r} is not a valid {tag.rsplit(':', 1)[1]}", event.start_mark) from None


def _build(text: str, max_nodes: int, max_depth: int):
    """Build Python values from parser events, without recursion."""
    loader = _parser()(text)
    positions: dict = {}
    keys: dict = {}
    styles: dict = {}
    anchors: dict = {}           # name -> (value, expanded node count, height)
    # frames: [container, path, pending_key, key_mark, anchor, count_at_start, height]; a
    # container's height is 1 + its deepest child's (a scalar's is 0)
    stack: list = []
    total = 0
    root = _NOTHING = object()
    _NOKEY = object()            # a mapping frame waiting for its next key
    docs = 0

    def add(value, mark, height=0):
        nonlocal root
        if stack and stack[-1][6] <= height:
            stack[-1][6] = height + 1
        if not stack:
            if root is not _NOTHING:  # pragma: no cover - the parser rejects this first
                raise _Fail("YAML_MULTIPLE_DOCUMENTS", "more than one document", mark)
            root = value
            return ()
        frame = stack[-1]
        container, cpath = frame[0], frame[1]
        if isinstance(container, list):
            container.append(value)
            return cpath + (len(container) - 1,)
        if frame[2] is _NOKEY:
            # this value is a key
            if not isinstance(value, str):
                what = "a mapping or list" if isinstance(value, (dict, list)) else f"{value!r}"
                raise _Fail("YAML_KEY", f"keys must be text; got {what}", mark)
            if value == "<<":
                raise _Fail("YAML_MERGE", "merge keys (<<) are not supported; write the keys out", mark)
            if value in container:
                first = keys.get(cpath + (value,))
                where = f" (first at line {first.line})" if first else ""
                raise _Fail("YAML_DUPLICATE_KEY", f"duplicate key {value!r}{where}", mark)
            frame[2], frame[3] = value, mark
            return None
        key = frame[2]
        container[key] = value
        frame[2] = _NOKEY
        path = cpath + (key,)
        keys[path] = _p(frame[3])
        return path

    try:
        while True:
            event = loader.get_event()
            if event is None:
                break
            if isinstance(event, yaml.DocumentStartEvent):
                docs += 1
                if docs > 1:
                    raise _Fail("YAML_MULTIPLE_DOCUMENTS", "a policy file holds one YAML document; found another",
                                event.start_mark)
                continue
            if isinstance(event, (yaml.StreamStartEvent, yaml.StreamEndEvent, yaml.DocumentEndEvent)):
                continue
            if isinstance(event, yaml.AliasEvent):
                if event.anchor not in anchors:
                    raise _Fail("YAML_ALIAS", f"unknown alias *{event.anchor}", event.start_mark)
                value, count, height = anchors[event.anchor]
                total += count
                if total > max_nodes:
                    raise _Fail("YAML_TOO_LARGE", f"document expands to more than {max_nodes:,} nodes "
                                "(aliases repeat whole subtrees)", event.start_mark)
                if len(stack) + height > max_depth:
                    raise _Fail("YAML_TOO_DEEP", f"nesting deeper than {max_depth} levels once alias "
                                f"*{event.anchor} is expanded", event.start_mark)
                path = add(value, event.start_mark, height)
                if path is not None:
                    positions[path] = _p(event.start_mark)
                continue
            if isinstance(event, yaml.ScalarEvent):
                total += 1
                if total > max_nodes:
                    raise _Fail("YAML_TOO_LARGE", f"document has more than {max_nodes:,} nodes", event.start_mark)
                value = _scalar(loader, event)
                if event.anchor:
                    anchors[event.anchor] = (value, 1, 0)
                path = add(value, event.start_mark)
                if path is not None:
                    positions[path] = _p(event.start_mark)
                    styles[path] = event.style or ""
                continue
            if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                is_map = isinstance(event, yaml.MappingStartEvent)
                if event.tag not in (None, "!", _MAP if is_map else _SEQ):
                    raise _Fail("YAML_TAG", f"tag {event.tag} is not allowed (only plain YAML values)",
                                event.start_mark)
                if len(stack) >= max_depth:
                    raise _Fail("YAML_TOO_DEEP", f"nesting deeper than {max_depth} levels", event.start_mark)
                total += 1
                if total > max_nodes:
                    raise _Fail("YAML_TOO_LARGE", f"document has more than {max_nodes:,} nodes", event.start_mark)
                container: dict | list = {} if is_map else []
                if stack and stack[-1][2] is _NOKEY and isinstance(stack[-1][0], dict):
                    raise _Fail("YAML_KEY", "keys must be text; got a mapping or list", event.start_mark)
                path = add(container, event.start_mark)
                positions[path] = _p(event.start_mark)
                stack.append([container, path, _NOKEY, None, event.anchor, total, 1])
                continue
            if isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                frame = stack.pop()
                if stack and stack[-1][6] <= frame[6]:
                    stack[-1][6] = frame[6] + 1
                if frame[4]:
                    anchors[frame[4]] = (frame[0], total - frame[5] + 1, frame[6])
                continue
    finally:
        loader.dispose()
    return (None if root is _NOTHING else root), positions, keys, styles

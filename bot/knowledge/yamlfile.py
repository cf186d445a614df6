"""Read coordinator-edited YAML safely, remembering line numbers for error messages.

Coordinators are not developers: an error must say ``knowledge/caf.yaml:42: …`` so that
they can open the file at the right place. PyYAML's ``safe_load`` forgets where things were,
so mappings are loaded as :class:`LineDict`, which keeps the line of the mapping and of each
key. The loader derives from ``SafeLoader``: tags such as ``!!python/object`` are refused.

Hostile files are refused before anything reads their values: too big, nested too deep, or
repeating themselves through anchors and aliases (a "billion laughs": ten lines of ``&a``
and ``*a`` that would expand to gigabytes as soon as a check writes ``str(value)``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

# The largest knowledge file is about 30 kB. Refuse absurd ones before parsing: PyYAML reads
# about 200 kB a second, and a reload must not spend a minute on a mistaken paste.
MAX_FILE_BYTES = 512_000
# Values in a file, aliases counted as many times as they are used. A 512 kB file without
# aliases has fewer than 300 000; a "billion laughs" has hundreds of millions.
MAX_EXPANDED_VALUES = 1_000_000
# Levels of nesting: an entry needs four or five; hundreds are a hostile or broken file.
MAX_DEPTH = 100
_UNKNOWN_TAG = "could not determine a constructor for the tag"
_UNREADABLE = "valeur illisible"


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a knowledge file, said the way a coordinator can act on it."""

    path: str
    line: int
    message: str
    severity: str = "erreur"  # "erreur" blocks loading; "attention" is advice

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


class KnowledgeError(Exception):
    """The knowledge files cannot be used; ``problems`` says where and why."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class LineDict(dict):
    """A mapping that remembers the line (1-based) where it and each of its keys start."""

    line: int = 0
    key_lines: dict[str, int]

    def line_of(self, key: str) -> int:
        return self.key_lines.get(key, self.line)


class _Hostile(yaml.composer.ComposerError):
    """A file built to exhaust memory: aliases repeating themselves, or one inside itself."""


class _LineLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """SafeLoader whose mappings are LineDicts, and that refuses alias bombs."""

    def get_single_node(self) -> yaml.Node | None:
        node = super().get_single_node()
        if node is not None:
            _check_expansion(node)
        return node

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        """PyYAML raises bare errors for some explicit tags (``!!int`` alone, ``!!timestamp
        x``): give them the line, like every other mistake."""
        try:
            return super().construct_object(node, deep)
        except (ValueError, TypeError, AttributeError, IndexError, OverflowError):
            value = node.value if isinstance(node, yaml.ScalarNode) else ""
            raise yaml.constructor.ConstructorError(
                None, None, f"{_UNREADABLE} (« {value[:40]} »)", node.start_mark
            ) from None


def _check_expansion(root: yaml.Node) -> None:
    """Count the values ``root`` stands for, each alias as often as it is used.

    Iterative and memoised by node: a bomb is measured in a few steps per anchor, never
    expanded. A node reached again while its own children are counted is a cycle.
    """
    sizes: dict[int, int] = {}
    entered: set[int] = set()
    stack: list[tuple[yaml.Node, bool, int]] = [(root, False, 0)]
    while stack:
        node, children_done, depth = stack.pop()
        if depth > MAX_DEPTH:  # libyaml parses any depth; building it would not end well
            raise RecursionError
        key = id(node)
        if children_done:
            children = _children(node)
            sizes[key] = 1 + sum(sizes[id(child)] for child in children)
            if sizes[key] > MAX_EXPANDED_VALUES:
                raise _Hostile(
                    None,
                    None,
                    "des renvois (& et *) répètent le même contenu des millions de fois",
                    node.start_mark,
                )
            continue
        if key in sizes:
            continue
        if key in entered:
            raise _Hostile(None, None, "un renvoi (*) se contient lui-même", node.start_mark)
        entered.add(key)
        stack.append((node, True, depth))
        stack.extend(
            (child, False, depth + 1) for child in _children(node) if id(child) not in sizes
        )


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return []


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> LineDict:
    loader.flatten_mapping(node)
    mapping = LineDict()
    mapping.line = node.start_mark.line + 1
    mapping.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, str | int | float | bool) and key is not None:
            raise yaml.constructor.ConstructorError(
                None, None, "une clé doit être un simple mot", key_node.start_mark
            )
        key = str(key)
        mapping[key] = loader.construct_object(value_node, deep=True)
        mapping.key_lines[key] = key_node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
    _construct_mapping,  # type: ignore[arg-type]
)


class _ImpossibleDate(yaml.constructor.ConstructorError):
    """A value shaped like a date that is no date (2026-13-01, 2026-02-30)."""


def _construct_timestamp(loader: _LineLoader, node: yaml.ScalarNode) -> object:
    """PyYAML raises a bare ValueError for an impossible date, which has no line: add it."""
    try:
        return loader.construct_yaml_timestamp(node)
    except ValueError:
        raise _ImpossibleDate(
            None, None, f"une date est impossible (« {node.value} »)", node.start_mark
        ) from None


_LineLoader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp)  # type: ignore[arg-type]


def display_path(path: Path) -> str:
    """The path as a coordinator knows it: relative to the working folder when possible."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def load_yaml(path: Path) -> Any:
    """Parse one YAML file; a syntax error becomes a KnowledgeError with file:line."""
    shown = display_path(path)
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise KnowledgeError(
                [Problem(shown, 1, f"fichier trop gros ({size} octets) : coupez-le en plusieurs")]
            )
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise KnowledgeError(
            [Problem(shown, 1, "le fichier n'est pas en UTF-8 : enregistrez-le en UTF-8")]
        ) from None
    except OSError as exc:
        raise KnowledgeError([Problem(shown, 1, f"fichier illisible ({exc.strerror})")]) from None
    try:
        return yaml.load(text, Loader=_LineLoader)
    except RecursionError:  # too deep for the reader (or beyond MAX_DEPTH)
        raise KnowledgeError(
            [
                Problem(
                    shown,
                    1,
                    "trop de niveaux imbriqués (crochets, accolades ou tirets) : "
                    "une fiche n'en a jamais besoin de plus de trois ou quatre",
                )
            ]
        ) from None
    except _Hostile as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else 1
        raise KnowledgeError(
            [Problem(shown, line, f"{exc.problem} : écrivez les valeurs en entier, sans & ni *")]
        ) from None
    except _ImpossibleDate as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else 1
        raise KnowledgeError(
            [
                Problem(
                    shown,
                    line,
                    f"{exc.problem} : écrivez une vraie date, année-mois-jour, "
                    "par exemple 2026-11-23",
                )
            ]
        ) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        what = exc.problem or "erreur de syntaxe"
        advice = "vérifiez l'indentation, les deux-points et les guillemets autour de cette ligne"
        if what.startswith(_UNREADABLE):
            advice = "écrivez la valeur simplement, sans « !! » devant"
        if what.startswith(_UNKNOWN_TAG):  # !!python/object…: refused, never constructed
            tag = what.removeprefix(_UNKNOWN_TAG).strip(" '").replace("tag:yaml.org,2002:", "!!")
            what = f"étiquette {tag} refusée"
            advice = "n'écrivez pas de « ! » devant une valeur, ou mettez-la entre guillemets"
        message = f"YAML illisible ({what}) : {advice}"
        raise KnowledgeError([Problem(shown, line, message)]) from None
    except yaml.YAMLError as exc:
        raise KnowledgeError([Problem(shown, 1, f"YAML illisible ({exc})")]) from None


class _FastLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """libyaml's safe loader with the same guard against alias bombs."""

    def get_single_node(self) -> yaml.Node | None:
        node = super().get_single_node()
        if node is not None:
            _check_expansion(node)
        return node


def load_yaml_fast(path: Path) -> Any:
    """:func:`load_yaml` at libyaml's speed, without line numbers (plain dicts).

    For large data files (thousands of examples): a file that does not load this way is
    read again with :func:`load_yaml`, so the coordinator still gets the error's line.
    """
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            return load_yaml(path)
        return yaml.load(path.read_text(encoding="utf-8"), Loader=_FastLoader)
    except (yaml.YAMLError, OSError, UnicodeDecodeError, RecursionError, ValueError, TypeError):
        return load_yaml(path)

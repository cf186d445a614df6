"""Read coordinator-edited YAML safely, remembering line numbers for error messages.

Coordinators are not developers: an error must say ``knowledge/caf.yaml:42: …`` so that
they can open the file at the right place. PyYAML's ``safe_load`` forgets where things were,
so mappings are loaded as :class:`LineDict`, which keeps the line of the mapping and of each
key. The loader derives from ``SafeLoader``: tags such as ``!!python/object`` are refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

# A knowledge file is a few hundred kilobytes at most; refuse absurd ones before parsing.
MAX_FILE_BYTES = 2_000_000


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


class _LineLoader(yaml.SafeLoader):
    """SafeLoader whose mappings are LineDicts."""


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
        raise KnowledgeError(
            [
                Problem(
                    shown,
                    line,
                    f"YAML illisible ({what}) : vérifiez l'indentation, les deux-points "
                    "et les guillemets autour de cette ligne",
                )
            ]
        ) from None
    except yaml.YAMLError as exc:
        raise KnowledgeError([Problem(shown, 1, f"YAML illisible ({exc})")]) from None

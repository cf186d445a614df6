"""Build ``bot/knowledge/data/communes.tsv.gz`` from Etalab's administrative divisions.

The communes, their postcodes, département and EPCI come from the npm package
``@etalab/decoupage-administratif`` (MIT licence). Fetch one version by hand, then build::

    cd "$(mktemp -d)" && npm pack @etalab/decoupage-administratif@6.0.0
    python scripts/build_communes.py /tmp/…/etalab-decoupage-administratif-6.0.0.tgz

The argument is the ``.tgz`` made by ``npm pack`` or an unpacked package folder (with
``package.json`` and ``data/``). The bot never downloads anything: the built file is
committed, and ``bot/knowledge/data/COMMUNES-SOURCE.md`` says which version it comes from.

Kept: current communes only (``commune-actuelle``). Former communes (``commune-deleguee``,
``commune-associee``) become other names of the commune they belong to, because people
still say « Bellegarde » for Valserhône. The arrondissements of Paris, Lyon and Marseille
are not communes of their own: their postcodes are already the city's.

The output is a gzip of UTF-8 text, one record a line, tab-separated, after ``#`` header
lines that record the source, version and licence::

    C <code INSEE> <nom> <codes postaux,> <département> <EPCI> <population> <autres noms|>
    E <code EPCI> <nom>
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import sys
import tarfile
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any

PACKAGE = "@etalab/decoupage-administratif"
DEFAULT_OUT = (
    Path(__file__).resolve().parents[1] / "bot" / "knowledge" / "data" / "communes.tsv.gz"
)
CURRENT = "commune-actuelle"
FORMER = ("commune-deleguee", "commune-associee")


class BuildError(Exception):
    """The package is not what this script expects (a missing file, a renamed field)."""


def read_package(source: Path) -> dict[str, Any]:
    """package.json, communes.json and epci.json from a ``.tgz`` or an unpacked folder."""
    names = {"package": "package.json", "communes": "data/communes.json", "epci": "data/epci.json"}
    out: dict[str, Any] = {}
    if source.is_dir():
        for key, name in names.items():
            path = source / name
            if not path.is_file():
                raise BuildError(f"{path} manque : est-ce bien le paquet {PACKAGE} ?")
            out[key] = json.loads(path.read_text(encoding="utf-8"))
        return out
    with tarfile.open(source, "r:gz") as archive:
        for key, name in names.items():
            try:
                member = archive.extractfile(f"package/{name}")
            except KeyError:
                member = None
            if member is None:
                raise BuildError(f"package/{name} manque dans {source}")
            out[key] = json.load(member)
    return out


def _clean(text: str) -> str:
    """No tab or newline may reach the TSV."""
    return " ".join(str(text).split())


def build_records(package: dict[str, Any]) -> tuple[list[str], list[list[str]]]:
    """The header lines and the records (without the type letter's tab join) of the file."""
    meta = package["package"]
    if meta.get("name") != PACKAGE:
        raise BuildError(f"ce paquet est {meta.get('name')!r}, pas {PACKAGE}")
    version, licence = meta.get("version", "?"), meta.get("license", "?")
    communes: list[dict[str, Any]] = package["communes"]
    epcis: list[dict[str, Any]] = package["epci"]

    epci_of: dict[str, str] = {}
    for epci in epcis:
        for member in epci.get("membres", ()):
            epci_of[member["code"]] = epci["code"]
    aliases: dict[str, set[str]] = defaultdict(set)
    current = [c for c in communes if c.get("type") == CURRENT]
    current_names = {c["code"]: c["nom"] for c in current}
    for commune in communes:
        parent = commune.get("chefLieu")
        if (
            commune.get("type") in FORMER
            and parent in current_names
            and commune["nom"] != current_names[parent]
        ):
            aliases[parent].add(_clean(commune["nom"]))

    records: list[list[str]] = []
    for commune in sorted(current, key=lambda c: c["code"]):
        code = commune["code"]
        records.append(
            [
                "C",
                code,
                _clean(commune["nom"]),
                ",".join(sorted(set(commune.get("codesPostaux") or ()))),
                commune.get("departement", ""),
                epci_of.get(code, ""),
                str(int(commune.get("population") or 0)),
                "|".join(sorted(aliases.get(code, ()))),
            ]
        )
    for epci in sorted(epcis, key=lambda e: e["code"]):
        records.append(["E", epci["code"], _clean(epci["nom"])])
    header = [
        f"# source: {PACKAGE} {version} (npm), licence {licence}, Etalab / data.gouv.fr",
        f"# version: {version}",
        f"# licence: {licence}",
        f"# communes: {len(current)}; epci: {len(epcis)}",
        "# C code nom codes-postaux departement epci population autres-noms(|)",
        "# E code-epci nom",
    ]
    return header, records


def write(path: Path, header: Iterable[str], records: Iterable[list[str]]) -> int:
    """Write the gzip file reproducibly (no timestamp inside); return its size in bytes."""
    text = "\n".join([*header, *("\t".join(r) for r in records)]) + "\n"
    buffer = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buffer, mtime=0, compresslevel=9) as gz:
        gz.write(text.encode("utf-8"))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buffer.getvalue())
    return path.stat().st_size


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("package", type=Path, help="le .tgz de npm pack, ou le dossier du paquet")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="le fichier à écrire")
    args = parser.parse_args(argv)
    try:
        header, records = build_records(read_package(args.package))
    except (BuildError, OSError, KeyError, ValueError, tarfile.TarError) as exc:
        print(f"build_communes: {exc}", file=sys.stderr)
        return 1
    size = write(args.out, header, records)
    communes = sum(r[0] == "C" for r in records)
    print(f"{args.out}: {communes} communes, {len(records) - communes} EPCI, {size} octets")
    return 0


if __name__ == "__main__":
    sys.exit(main())

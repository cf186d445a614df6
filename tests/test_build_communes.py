"""scripts/build_communes.py on a small sample of the Etalab package (tests/data/etalab-sample)."""

from __future__ import annotations

import gzip
import importlib.util
import io
import tarfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "tests" / "data" / "etalab-sample"


def _script():
    spec = importlib.util.spec_from_file_location(
        "build_communes", ROOT / "scripts" / "build_communes.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


build_communes = _script()


def _lines(path: Path) -> list[str]:
    return gzip.decompress(path.read_bytes()).decode("utf-8").splitlines()


def _tgz(folder: Path, out: Path) -> Path:
    """The sample packed the way ``npm pack`` does: everything under ``package/``."""
    with tarfile.open(out, "w:gz") as archive:
        for path in sorted(folder.rglob("*")):
            archive.add(path, arcname=f"package/{path.relative_to(folder)}", recursive=False)
    return out


def test_keeps_current_communes_with_postcodes_epci_and_former_names(tmp_path: Path) -> None:
    out = tmp_path / "communes.tsv.gz"
    assert build_communes.main([str(SAMPLE), "--out", str(out)]) == 0
    records = [line.split("\t") for line in _lines(out) if not line.startswith("#")]
    communes = {r[1]: r for r in records if r[0] == "C"}
    assert sorted(communes) == ["01033", "56165", "75056"]  # no arrondissement, no old commune
    assert communes["56165"] == ["C", "56165", "Ploërmel", "56800", "56", "200066777", "10163", ""]
    assert communes["75056"][3] == "75001,75015"
    assert communes["01033"][7] == "Bellegarde-sur-Valserine"
    epcis = {r[1]: r[2] for r in records if r[0] == "E"}
    assert epcis["200066777"] == "CC Ploërmel Communauté"


def test_records_the_version_and_licence_in_the_header(tmp_path: Path) -> None:
    out = tmp_path / "communes.tsv.gz"
    build_communes.main([str(SAMPLE), "--out", str(out)])
    header = [line for line in _lines(out) if line.startswith("#")]
    assert "# version: 0.0.0-test" in header
    assert "# licence: MIT" in header


def test_reads_the_tgz_made_by_npm_pack_and_builds_the_same_bytes(tmp_path: Path) -> None:
    from_folder, from_tgz = tmp_path / "a.tsv.gz", tmp_path / "b.tsv.gz"
    build_communes.main([str(SAMPLE), "--out", str(from_folder)])
    archive = _tgz(SAMPLE, tmp_path / "sample.tgz")
    assert build_communes.main([str(archive), "--out", str(from_tgz)]) == 0
    assert from_folder.read_bytes() == from_tgz.read_bytes()


def test_refuses_another_package(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "pkg"
    (folder / "data").mkdir(parents=True)
    (folder / "package.json").write_text('{"name": "left-pad", "version": "1.0.0"}')
    (folder / "data" / "communes.json").write_text("[]")
    (folder / "data" / "epci.json").write_text("[]")
    assert build_communes.main([str(folder), "--out", str(tmp_path / "x.gz")]) == 1
    assert "left-pad" in capsys.readouterr().err
    assert not (tmp_path / "x.gz").exists()


def test_the_committed_file_comes_from_the_documented_version() -> None:
    data = ROOT / "bot" / "knowledge" / "data"
    header = [line for line in _lines(data / "communes.tsv.gz") if line.startswith("#")]
    version = next(h.split(": ", 1)[1] for h in header if h.startswith("# version:"))
    assert f"version {version}" in (data / "COMMUNES-SOURCE.md").read_text(encoding="utf-8")


def test_writes_no_timestamp_so_builds_are_reproducible(tmp_path: Path) -> None:
    out = tmp_path / "c.tsv.gz"
    build_communes.main([str(SAMPLE), "--out", str(out)])
    with gzip.GzipFile(fileobj=io.BytesIO(out.read_bytes())) as gz:
        gz.read()
        assert gz.mtime == 0

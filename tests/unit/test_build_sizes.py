"""infra/build_sizes.py: every function with its layers against Lambda's 250 MB unzipped, measured on a
`sam build` output (here a small made-up one, with the limit scaled down)."""

from __future__ import annotations

from pathlib import Path

import pytest

from infra import build_sizes

TEMPLATE = """\
Globals:
  Function:
    Layers:
      - !Ref CommonLayer
Resources:
  CommonLayer: {Type: AWS::Serverless::LayerVersion, Properties: {ContentUri: CommonLayer}}
  AiLayer: {Type: AWS::Serverless::LayerVersion, Properties: {ContentUri: AiLayer}}
  ExportLayer: {Type: AWS::Serverless::LayerVersion, Properties: {ContentUri: ExportLayer}}
  SmallFunction: {Type: AWS::Serverless::Function, Properties: {CodeUri: SmallFunction}}
  DescribeFunction:
    Type: AWS::Serverless::Function
    Properties: {CodeUri: DescribeFunction, Layers: [!Ref AiLayer]}
"""


def build_dir(tmp_path: Path, sizes: dict[str, int]) -> Path:
    (tmp_path / "template.yaml").write_text(TEMPLATE)
    for folder, size in sizes.items():
        (tmp_path / folder / "python").mkdir(parents=True)
        (tmp_path / folder / "python" / "blob.bin").write_bytes(b"x" * size)
    return tmp_path


SIZES = {"CommonLayer": 500, "AiLayer": 300, "ExportLayer": 100, "SmallFunction": 10, "DescribeFunction": 40}


def test_each_function_counts_its_own_code_and_every_layer_it_gets(tmp_path: Path) -> None:
    layers, units = build_sizes.measure(build_dir(tmp_path, SIZES))

    totals = {unit.name: unit.total(layers) for unit in units}
    assert layers == {"CommonLayer": 500, "AiLayer": 300, "ExportLayer": 100}
    assert totals["SmallFunction"] == 510
    assert totals["DescribeFunction"] == 840  # Globals' layer and its own
    # A layer no function lists yet is measured beside the largest function, ready to be attached.
    assert totals["ExportLayer (not attached yet), beside the largest function"] == 640


def test_a_function_over_the_limit_fails_the_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(build_sizes, "LIMIT_BYTES", 800)

    assert build_sizes.main(["--build-dir", str(build_dir(tmp_path, SIZES))]) == 1

    out = capsys.readouterr()
    assert "over Lambda's 250 MB unzipped limit: DescribeFunction" in out.err
    assert out.out.splitlines()[0] == "layer AiLayer: 0.0 MB"  # the per-layer report comes first
    assert "DescribeFunction:" in out.out.splitlines()[3]  # then the largest functions, largest first


def test_within_the_limit_it_passes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(build_sizes, "LIMIT_BYTES", 840)
    assert build_sizes.main(["--build-dir", str(build_dir(tmp_path, SIZES))]) == 0

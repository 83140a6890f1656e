"""The schema catalogue: shipped folders, user folders (`--schemas`), versions and their errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from streamcheck.exceptions import ConfigError
from streamcheck.schemas import Catalog, shipped_root
from tests.conftest import FIXTURES, run_streamcheck

CLEAN = FIXTURES / "openai" / "text-answer.sse"
SHIPPED_CHUNK = shipped_root() / "openai" / "chat-completions" / "2.3.0" / "chunk.json"


def _gateway_folder(root: Path, version: str) -> Path:
    """A user folder whose openai/chat-completions/<version> chunk also requires a gateway id."""
    schema = json.loads(SHIPPED_CHUNK.read_text())
    schema["required"] = [*schema.get("required", []), "x_gateway_id"]
    folder = root / "openai" / "chat-completions" / version
    folder.mkdir(parents=True)
    (folder / "chunk.json").write_text(json.dumps(schema))
    return root


def test_every_shipped_api_is_listed_with_its_default_version() -> None:
    catalog = Catalog()
    apis = {
        (provider.name, api.name)
        for provider in shipped_root().iterdir()
        if provider.is_dir()
        for api in provider.iterdir()
        if api.is_dir()
    }
    assert {(p, a) for (p, a, _) in catalog.sets} == apis
    for provider, api in apis:
        default = catalog.default_version(provider, api)
        assert default in catalog.versions(provider, api)


def test_the_default_comes_from_versions_json() -> None:
    catalog = Catalog()
    info = json.loads((shipped_root() / "openai/chat-completions/versions.json").read_text())
    assert catalog.default_version("openai", "chat-completions") == info["default"]
    found = catalog.get("openai", "chat-completions", None)
    assert found is not None and found.version == info["default"]
    assert catalog.get("openai", "chat-completions", "1999-01") is None
    assert catalog.get("nobody", "nothing", None) is None


def test_a_user_folder_adds_a_version_without_changing_the_default(tmp_path: Path) -> None:
    catalog = Catalog((_gateway_folder(tmp_path, "9.9.9"),))
    assert "9.9.9" in catalog.versions("openai", "chat-completions")
    assert catalog.default_version("openai", "chat-completions") == "2.3.0"
    added = catalog.get("openai", "chat-completions", "9.9.9")
    assert added is not None and added.origin == str(tmp_path)
    assert added.kinds() == ["chunk"]


def test_a_user_file_replaces_the_shipped_kind_of_the_same_version(tmp_path: Path) -> None:
    catalog = Catalog((_gateway_folder(tmp_path, "2.3.0"),))
    replaced = catalog.get("openai", "chat-completions", "2.3.0")
    assert replaced is not None
    assert replaced.origin == f"shipped + {tmp_path}"
    assert "x_gateway_id" in replaced.schema("chunk")["required"]
    assert "error" in replaced.kinds()  # the kinds the user did not replace stay shipped


def test_check_validates_against_a_user_version_when_asked(tmp_path: Path) -> None:
    folder = _gateway_folder(tmp_path, "9.9.9")
    strict = run_streamcheck(
        "check", "--schemas", str(folder), "--api-version", "9.9.9", str(CLEAN)
    )
    assert strict.returncode == 1, strict.stderr
    assert "'x_gateway_id' is a required property" in strict.stdout
    assert "openai/chat-completions/9.9.9" in strict.stdout
    default = run_streamcheck("check", "--schemas", str(folder), str(CLEAN))
    assert default.returncode == 0, default.stdout
    assert "x_gateway_id" not in default.stdout


def test_schemas_command_lists_user_versions_with_their_origin(tmp_path: Path) -> None:
    folder = _gateway_folder(tmp_path, "9.9.9")
    listed = run_streamcheck("schemas", "--schemas", str(folder))
    assert listed.returncode == 0, listed.stderr
    assert f"openai/chat-completions/9.9.9 [{folder}]: chunk" in listed.stdout
    assert "openai/chat-completions/2.3.0 (default) [shipped]: chunk, error" in listed.stdout


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (lambda root: root / "missing", "not a folder"),
        (
            lambda root: _write(root / "openai/chat-completions/versions.json", "{"),
            "versions.json: expected",
        ),
        (
            lambda root: _write(root / "openai/chat-completions/2.3.0/chunk.json", "[oops"),
            "chunk.json: not a readable JSON Schema",
        ),
        (
            lambda root: _write(
                root / "openai/chat-completions/2.3.0/chunk.json", '{"type": "nonsense"}'
            ),
            "chunk.json: invalid JSON Schema",
        ),
    ],
)
def test_a_broken_user_folder_is_a_one_line_usage_error(
    tmp_path: Path, make: object, expected: str
) -> None:
    target = make(tmp_path)  # type: ignore[operator]
    folder = tmp_path if target != tmp_path / "missing" else target
    done = run_streamcheck("check", "--schemas", str(folder), str(CLEAN))
    assert done.returncode == 2, done.stdout
    assert expected in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert "Traceback" not in done.stderr


def test_a_missing_user_folder_is_refused_at_once(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not a folder"):
        Catalog((tmp_path / "missing",))


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path

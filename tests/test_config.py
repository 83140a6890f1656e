"""Configuration: [tool.streamcheck] / streamcheck.toml discovery, layering and errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from streamcheck import ConfigError, Severity, config
from streamcheck.model import Report
from streamcheck.run import iter_files
from tests.conftest import ROOT, run_streamcheck
from tests.streams import CLEAN, CUT, NO_ROLE, write


def run_cli(cwd: Path, *args: str) -> tuple[int, str, str]:
    done = run_streamcheck(*args, cwd=cwd)
    return done.returncode, done.stdout, done.stderr


def test_found_by_walking_up(tmp_path: Path) -> None:
    deep = tmp_path / "a" / "b"
    deep.mkdir(parents=True)
    found = config.find(deep)
    assert found is None or tmp_path not in found.parents
    (tmp_path / "pyproject.toml").write_text("[tool.streamcheck]\npaths = ['fx']\n")
    (tmp_path / "a" / "pyproject.toml").write_text("[project]\nname = 'x'\n")  # no table: skipped
    assert config.find(deep) == tmp_path / "pyproject.toml"
    (tmp_path / "a" / "streamcheck.toml").write_text("paths = ['here']\n")
    assert config.find(deep) == tmp_path / "a" / "streamcheck.toml"
    (tmp_path / "a" / "b" / "pyproject.toml").write_text("[tool.streamcheck]\n")
    assert config.find(deep) == deep / "pyproject.toml"
    # In one folder, streamcheck.toml wins over pyproject.toml.
    (deep / "streamcheck.toml").write_text("")
    assert config.find(deep) == deep / "streamcheck.toml"


@pytest.mark.parametrize(
    "text",
    [
        "[tool.streamcheck]\npaths = ['fx']\n",
        "[ tool . 'streamcheck' ]\npaths = ['fx']\n",
        '[[tool."streamcheck".overrides]]\npaths = ["x"]\nignore = ["SC5"]\n',
        "[tool]\nstreamcheck = { paths = ['fx'] }\n",
        "[tool]\nstreamcheck.paths = ['fx']\n",
        "tool.streamcheck.paths = ['fx']\n",
        "tool = { streamcheck = { paths = ['fx'] } }\n",
    ],
)
def test_every_toml_spelling_of_the_table_is_found(tmp_path: Path, text: str) -> None:
    (tmp_path / "pyproject.toml").write_text(text + "[project]\nname = 'streamcheck-user'\n")
    assert config.find(tmp_path) == tmp_path / "pyproject.toml"
    assert config.load(start=tmp_path).file == tmp_path / "pyproject.toml"


def test_a_pyproject_that_cannot_configure_us_is_not_parsed(tmp_path: Path) -> None:
    """Other tools' tables, and the word streamcheck outside a tool table, are passed over
    without parsing: even broken TOML there is none of our business."""
    (tmp_path / "pyproject.toml").write_text(
        "[project]\nname = 'streamcheck'\n[project.scripts]\nstreamcheck = 'x:y'\n"
        "[tool.ruff]\nline-length = 100\n[tool.mypy\nbroken = \n"
    )
    found = config.find(tmp_path)
    assert found is None or tmp_path not in found.parents


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "[tool.streamcheck]\nfail_on = 'error'\n",
            "unknown key 'fail_on' in [tool.streamcheck] (did you mean 'fail-on'?)",
        ),
        ("[tool.streamcheck]\nformat = 'json'\n", "unknown key 'format' in [tool.streamcheck]"),
        # A checked tree's config cannot make check run code: --client is a flag only.
        ("[tool.streamcheck]\nclient = 'vercel-ai-ui'\n", "unknown key 'client'"),
        ("[tool.streamcheck]\nnode-modules = 'x'\n", "unknown key 'node-modules'"),
        (
            "[tool.streamcheck]\n[[tool.streamcheck.overrides]]\npaths = ['x']\npath = 1\n",
            "unknown key 'path' in overrides #1",
        ),
        (
            "[tool.streamcheck]\n[[tool.streamcheck.overrides]]\nignore = ['SC1']\n",
            "overrides #1 needs `paths`",
        ),
        ("[tool.streamcheck]\nselect = ['SC7']\n", "select: 'SC7' matches no rule"),
        ("[tool.streamcheck]\nignore = 'SC30x'\n", "ignore: 'SC30x' matches no rule"),
        ("[tool.streamcheck]\nfail-on = 'fatal'\n", "fail-on: unknown severity 'fatal'"),
        ("[tool.streamcheck]\nfail-on = 3\n", "fail-on must be a string"),
        ("[tool.streamcheck]\npaths = 'fx'\nmax-gap = -1\n", "max-gap must be a positive number"),
        ("[tool.streamcheck]\nmax-line = 1.5\n", "max-line must be a whole number"),
        ("[tool.streamcheck]\npaths = [1]\n", "paths must be a list of strings"),
        ("[tool.streamcheck]\ninput-format = 'xml'\n", "input-format 'xml': expected one of"),
        ("[tool.streamcheck]\nprovider = ['a']\n", "provider must be a string"),
        ("[tool.streamcheck\n", "invalid TOML"),
    ],
)
def test_errors_name_the_key_and_the_file(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "pyproject.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as caught:
        config.load(start=tmp_path)
    assert str(caught.value).startswith(f"{path}: ")
    assert message in str(caught.value)


def test_cli_config_error_is_one_line_exit_2(tmp_path: Path) -> None:
    (tmp_path / "streamcheck.toml").write_text("paths = ['fx']\ncolour = 'red'\n")
    code, _, err = run_cli(tmp_path, "check")
    assert code == 2
    path = tmp_path / "streamcheck.toml"
    assert err == f"streamcheck: error: {path}: unknown key 'colour' in the top level\n"
    code, _, err = run_cli(tmp_path, "check", "--config", "missing.toml", "x.sse")
    assert (code, err) == (2, "streamcheck: error: missing.toml: config file not found\n")
    (tmp_path / "other.toml").write_text("[tool.streamcheck]\n")  # not a pyproject: top-level keys
    code, _, err = run_cli(tmp_path, "check", "--config", "other.toml", "x.sse")
    assert "unknown key 'tool' in the top level" in err


def test_paths_default_and_flags_win(tmp_path: Path) -> None:
    write(tmp_path, {"fx/role.sse": NO_ROLE, "fx/ok.sse": CLEAN, "other/cut.sse": CUT})
    (tmp_path / "pyproject.toml").write_text(
        "[tool.streamcheck]\npaths = ['fx']\nfail-on = 'warning'\n"
    )
    code, out, _ = run_cli(tmp_path, "check")
    assert code == 1  # the warning fails at fail-on = warning
    assert "fx/role.sse" in out and "other" not in out and "(failing at warning)" in out
    code, out, _ = run_cli(tmp_path, "check", "--fail-on", "error")
    assert code == 0 and "(failing at error)" in out
    # From a subfolder, config paths are still relative to the config file.
    code, out, _ = run_cli(tmp_path / "other", "check", "--fail-on", "error")
    assert code == 0 and "../fx/role.sse" not in out and "2 files" in out
    # Explicit paths replace the config's.
    code, out, _ = run_cli(tmp_path, "check", "other")
    assert code == 1 and "SC301" in out and "fx/" not in out


def test_no_paths_anywhere_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "streamcheck.toml").write_text("")
    code, _, err = run_cli(tmp_path, "check")
    assert code == 2 and "no paths given, and no `paths` in a config file" in err


def test_overrides_apply_per_path_in_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(
        tmp_path,
        {
            "fx/new/cut.sse": CUT,
            "fx/legacy/cut.sse": CUT,
            "fx/legacy/role.sse": NO_ROLE,
            "fx/legacy/x/cut.ndjson.sse": CUT,
        },
    )
    (tmp_path / "streamcheck.toml").write_text(
        "paths = ['fx']\nfail-on = 'warning'\n"
        "[[overrides]]\npaths = ['fx/legacy']\nignore = ['SC301']\nfail-on = 'error'\n"
        "[[overrides]]\npaths = ['*.ndjson.sse']\nignore = []\n"
    )
    monkeypatch.chdir(tmp_path)
    resolved = config.load().resolve()
    files = [
        "fx/new/cut.sse",
        "fx/legacy/cut.sse",
        "fx/legacy/role.sse",
        "fx/legacy/x/cut.ndjson.sse",
    ]
    report = Report(
        list(iter_files(files, resolved.options, options_for=resolved.per_path())),
        fail_on=resolved.options.fail_on,
    )
    codes = [[f.code for f in r.findings] for r in report.results]
    assert codes == [["SC301"], [], ["SC306"], ["SC301"]]
    assert [report.threshold(r) for r in report.results] == [
        Severity.WARNING,
        Severity.ERROR,
        Severity.ERROR,
        Severity.ERROR,
    ]
    assert [bool(report.failing(r)) for r in report.results] == [True, False, False, True]
    # A flag wins over every override.
    strict = config.load().resolve(config.Settings(fail_on=Severity.INFO, ignore=("SC5",)))
    legacy = strict.options_for("fx/legacy/cut.sse")
    assert (legacy.fail_on, legacy.ignore) == (Severity.INFO, ("SC5",))


def test_glob_matching() -> None:
    override = config.Override(("fixtures/**/bad.*", "*.tape", "legacy"), config.Settings())
    assert override.matches("fixtures/rules/SC301/bad.sse", "bad.sse")
    assert override.matches("fixtures/bad.sse", "bad.sse")
    assert not override.matches("fixtures/rules/SC301/good.sse", "good.sse")
    assert override.matches(None, "x.tape")
    assert override.matches("a/legacy/b/c.sse", "c.sse")
    assert not override.matches("a/legacy.sse", "legacy.sse")
    assert not override.matches("a/b/c.sse", "c.sse")


def test_schema_folders_are_relative_to_the_config_file(tmp_path: Path) -> None:
    shipped = ROOT / "schemas" / "openai" / "chat-completions" / "2.3.0" / "chunk.json"
    strict = json.loads(shipped.read_text())
    strict["required"] = [*strict.get("required", []), "system_fingerprint"]
    write(
        tmp_path,
        {"gw/openai/chat-completions/strict/chunk.json": json.dumps(strict), "fx/ok.sse": CLEAN},
    )
    (tmp_path / "pyproject.toml").write_text(
        "[tool.streamcheck]\npaths = ['fx']\nschemas = ['gw']\n"
        "provider = 'openai'\napi-version = 'strict'\n"
    )
    (tmp_path / "sub").mkdir()
    code, out, err = run_cli(tmp_path / "sub", "check", "--format", "json")
    assert code == 1, err
    [result] = json.loads(out)["results"]
    assert result["api_version"] == "strict"
    assert {f["code"][:3] for f in result["findings"]} == {"SC2"}
    assert "system_fingerprint" in result["findings"][0]["message"]
    code, out, _ = run_cli(tmp_path / "sub", "check", "--api-version", "2.3.0")
    assert code == 0


def test_schemas_command_lists_the_config_folders(tmp_path: Path) -> None:
    shipped = ROOT / "schemas" / "openai" / "chat-completions" / "2.3.0" / "chunk.json"
    write(tmp_path, {"gw/openai/chat-completions/mine/chunk.json": shipped.read_text()})
    (tmp_path / "streamcheck.toml").write_text("schemas = ['gw']\n")
    code, out, _ = run_cli(tmp_path, "schemas")
    assert code == 0
    assert f"openai/chat-completions/mine [{tmp_path}/gw]: chunk" in out


@pytest.mark.parametrize("text", ["tool = 3\n", "tool = [1]\n", "[tool]\nstreamcheck = 3\n"])
def test_odd_tool_values_are_config_errors_or_passed_over(tmp_path: Path, text: str) -> None:
    """A `tool` that is not a table is no streamcheck config; a non-table [tool.streamcheck]
    is a one-line error, never a crash."""
    (tmp_path / "pyproject.toml").write_text(text)
    try:
        loaded = config.load(start=tmp_path)
    except ConfigError as exc:
        assert "must be a table" in str(exc)
    else:
        assert loaded.file is None or tmp_path not in loaded.file.parents
    from streamcheck.live.call import smoke

    assert smoke.targets_from_config(tmp_path / "pyproject.toml") == []


def test_a_config_that_is_not_utf8_is_a_one_line_error(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_bytes(b'[tool.streamcheck]\npaths = ["\xff"]\n')
    with pytest.raises(ConfigError, match="invalid TOML \\(not UTF-8"):
        config.load(start=tmp_path)


def readme_sample_config() -> str:
    """The `[tool.streamcheck]` block of README's "Configuration" section, as written."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Configuration\n", 1)[1].split("\n## ", 1)[0]
    return section.split("```toml\n", 1)[1].split("```", 1)[0]


def test_the_readme_sample_config_keeps_what_a_recording_says(tmp_path: Path) -> None:
    """`provider = "openai"` is a default: a clean Ollama recording (its frames say Ollama)
    stays a clean Ollama recording instead of four OpenAI schema errors; a flag still
    forces the provider."""
    sample = readme_sample_config()
    assert 'provider = "openai"' in sample and 'baseline = "streamcheck-baseline.json"' in sample
    (tmp_path / "pyproject.toml").write_text(sample)
    fixtures = tmp_path / "fixtures"
    fixtures.mkdir()
    clean = ROOT / "fixtures" / "ollama" / "chat-clean.ndjson"
    (fixtures / "chat.ndjson").write_bytes(clean.read_bytes())
    (tmp_path / "schemas" / "our-gateway").mkdir(parents=True)  # the sample's schema folder
    # The sample names a baseline: an empty one (written while the provider is named).
    code, _, err = run_cli(tmp_path, "check", "--provider", "ollama", "--write-baseline", "x.json")
    assert code == 0, err
    (tmp_path / "x.json").rename(tmp_path / "streamcheck-baseline.json")
    code, out, err = run_cli(tmp_path, "check", "--format", "json")
    assert code == 0, out + err
    [result] = json.loads(out)["results"]
    assert (result["provider"], result["api"]) == ("ollama", "chat")
    assert result["findings"] == []
    forced = ("--provider", "openai", "--api", "chat-completions")
    code, out, _ = run_cli(tmp_path, "check", *forced, "--format", "json")
    assert code == 1
    assert "SC201" in {f["code"] for f in json.loads(out)["results"][0]["findings"]}


def test_config_defaults_judge_only_what_the_recording_does_not_name(tmp_path: Path) -> None:
    """A stream whose frames no protocol claims is judged by the config's default protocol
    (without one: SC901); a recording whose URL names Anthropic stays Anthropic."""
    body = (ROOT / "fixtures" / "rules" / "SC901" / "bad.sse").read_bytes()
    (tmp_path / "odd.sse").write_bytes(body)
    live = ROOT / "fixtures" / "live" / "anthropic-messages.tape"
    (tmp_path / "call.tape").write_bytes(live.read_bytes())
    code, out, _ = run_cli(tmp_path, "check", "odd.sse", "--format", "json")
    assert {f["code"] for f in json.loads(out)["results"][0]["findings"]} == {"SC901"}
    (tmp_path / "streamcheck.toml").write_text(
        'provider = "openai"\napi = "chat-completions"\napi-version = "2023-11"\n'
    )
    code, out, _ = run_cli(tmp_path, "check", "odd.sse", "call.tape", "--format", "json")
    assert code == 1  # the OpenAI grammar found errors in odd.sse
    odd, call = json.loads(out)["results"]
    assert (odd["provider"], odd["api_version"]) == ("openai", "2023-11")
    assert "SC901" not in {f["code"] for f in odd["findings"]}
    assert "SC201" in {f["code"] for f in odd["findings"]}
    assert (call["provider"], call["findings"]) == ("anthropic", [])

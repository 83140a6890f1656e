"""`streamcheck smoke` against the replay server: one verdict and exit code per fault."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from streamcheck.live.call import smoke
from streamcheck.live.exitcodes import CLASSES, PRECEDENCE
from streamcheck.live.targets import Target
from tests.conftest import ROOT, run_streamcheck
from tests.live.conftest import CANARY_ENV, assert_no_canary

MODELS = {"openai": "gpt-4o-mini", "anthropic": "claude-3-5-haiku-20241022", "azure": "gpt4o"}
# fault -> (class, exit code) per provider. error-event differs: OpenAI sends server_error,
# Anthropic overloaded_error mid-stream.
EXPECTED: dict[str | None, tuple[str, int]] = {
    None: ("ok", 0),
    "drop-finish-reason": ("defects", 1),
    "truncate-after:2": ("defects", 1),
    "truncate-mid-frame": ("defects", 1),
    "drop-terminator": ("defects", 1),
    "http-401": ("auth", 3),
    "http-403": ("no-access", 4),
    "http-404-model": ("no-access", 4),
    "http-429-quota": ("billing", 5),
    "http-429-rate": ("rate-limit", 6),
    "http-500": ("unreachable", 7),
    "http-502-html": ("unreachable", 7),
    "error-event": ("unreachable", 7),
    "stall:2": ("unreachable", 7),  # with --read-timeout 0.5
    "reset": ("unreachable", 7),
}
ANTHROPIC_DIFFERS = {"error-event": ("rate-limit", 6)}


def smoke_cli(provider: str, url: str, *extra: str, fault: str | None = None):  # type: ignore[no-untyped-def]
    args = ["smoke", "--provider", provider, "--model", MODELS[provider], "--base-url", url]
    if fault:
        args += ["--header", f"x-streamcheck-fault: {fault}"]
    return run_streamcheck(*args, "--read-timeout", "0.5", *extra, env=CANARY_ENV)


@pytest.mark.parametrize("provider", ["openai", "anthropic", "azure"])
@pytest.mark.parametrize("fault", list(EXPECTED))
def test_verdict_and_exit_code_per_fault(served: str, provider: str, fault: str | None) -> None:
    klass, code = EXPECTED[fault]
    if provider == "anthropic":
        klass, code = ANTHROPIC_DIFFERS.get(fault or "", (klass, code))
    done = smoke_cli(provider, served, fault=fault)
    assert done.returncode == code, done.stdout + done.stderr
    first = done.stdout.splitlines()[0]
    if klass == "ok":
        assert first.startswith(f"PASS  {provider}:{MODELS[provider]}  HTTP 200")
    else:
        assert first.startswith(f"FAIL  {provider}:{MODELS[provider]}  [{klass}, exit {code}]")
    assert done.stdout.splitlines()[-1].endswith(f"exit {code}")
    assert "Traceback" not in done.stderr
    assert_no_canary(done.stdout, done.stderr)


def test_azure_errors_name_the_deployment_problem(served: str) -> None:
    done = smoke_cli("azure", served, fault="http-404-model")
    assert "DeploymentNotFound" in done.stdout


def test_a_short_stall_passes_and_a_long_gap_warns(served: str) -> None:
    # The stall is far from both limits (max gap 0.1 s, read timeout 5 s): under a load average
    # of 10 a 0.3 s stall between 0.1 and 0.5 s was hidden by a late first frame.
    done = smoke_cli("openai", served, "--read-timeout", "5", "--max-gap", "0.1", fault="stall:1.0")
    assert done.returncode == 0, done.stdout
    assert "SC501" in done.stdout and "1 warning" in done.stdout
    strict = smoke_cli(
        "openai",
        served,
        *("--read-timeout", "5", "--max-gap", "0.1", "--fail-on", "warning"),
        fault="stall:1.0",
    )
    assert strict.returncode == 1 and "[defects, exit 1]" in strict.stdout


def test_missing_key_is_a_usage_error(served: str) -> None:
    done = run_streamcheck(
        "smoke",
        "--provider",
        "openai",
        "--model",
        "m",
        "--base-url",
        served,
        "--key-env",
        "STREAMCHECK_NO_SUCH_KEY",
    )
    assert done.returncode == 2
    assert "STREAMCHECK_NO_SUCH_KEY is not set" in done.stdout


def test_targets_from_pyproject_worst_class_wins(served: str, tmp_path: Path) -> None:
    config = tmp_path / "pyproject.toml"
    config.write_text(
        f"""
[[tool.streamcheck.smoke]]
name = "prod-openai"
provider = "openai"
model = "gpt-4o-mini"
base-url = "{served}"

[[tool.streamcheck.smoke]]
provider = "azure"
deployment = "gpt4o-prod"
api-version = "2024-06-01"
key-env = "AZURE_OPENAI_API_KEY"
base-url = "{served}/"

[[tool.streamcheck.smoke]]
provider = "openai-compatible"
model = "llama"
base-url = "http://127.0.0.1:9/v1"
""",
        encoding="utf-8",
    )
    done = run_streamcheck(
        "smoke", "--config", str(config), "--connect-timeout", "2", env=CANARY_ENV
    )
    lines = done.stdout.splitlines()
    assert lines[0].startswith("PASS  prod-openai  HTTP 200")
    assert lines[1].startswith("PASS  azure:gpt4o-prod  HTTP 200")
    assert lines[2].startswith("FAIL  openai-compatible:llama  [unreachable, exit 7]")
    assert lines[-1] == "smoke: 2 of 3 target(s) passed; failures: unreachable (exit 7); exit 7"
    assert done.returncode == 7
    # Found in the working folder too.
    here = run_streamcheck("smoke", "--connect-timeout", "2", env=CANARY_ENV, cwd=tmp_path)
    assert here.returncode == 7
    # `check` reads the same [tool.streamcheck] table and accepts the smoke targets in it.
    checked = run_streamcheck("check", str(ROOT / "fixtures" / "live"), cwd=tmp_path)
    assert checked.returncode == 0, checked.stderr


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ('[[tool.streamcheck.smoke]]\nmodel = "x"\n', "provider is required"),
        ('[[tool.streamcheck.smoke]]\nprovider = "openai"\nkey = "x"\n', "unknown key 'key'"),
        ('[[tool.streamcheck.smoke]]\nprovider = "bard"\n', "unknown provider 'bard'"),
        ('[[tool.streamcheck.smoke]]\nprovider = "azure"\n', "needs a base URL"),
        ("[tool.streamcheck]\n", "no smoke targets"),
        ("not toml [", "not valid TOML"),
    ],
)
def test_config_errors(tmp_path: Path, toml: str, message: str) -> None:
    config = tmp_path / "pyproject.toml"
    config.write_text(toml, encoding="utf-8")
    done = run_streamcheck("smoke", "--config", str(config))
    assert done.returncode == 2
    assert message in done.stderr and "Traceback" not in done.stderr


def test_exit_precedence() -> None:
    target = Target("openai")
    verdicts = lambda *names: [smoke.Verdict(target, n, "") for n in names]  # noqa: E731
    assert smoke.exit_code(verdicts()) == 0
    assert smoke.exit_code(verdicts("ok", "rate-limit", "unreachable")) == 7
    assert smoke.exit_code(verdicts("rate-limit", "defects")) == 1
    assert smoke.exit_code(verdicts("defects", "billing", "auth")) == 3
    assert smoke.exit_code(verdicts("auth", "usage")) == 2
    assert set(PRECEDENCE) == set(CLASSES)


def test_help_and_readme_document_every_exit_code() -> None:
    help_text = run_streamcheck("smoke", "--help").stdout
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name, (code, text) in CLASSES.items():
        assert f"{code}  {name}" in help_text
        assert f"| {code} | `{name}` | {text} |" in readme
    assert " > ".join(PRECEDENCE[:-1]) in readme


def test_json_output(served: str) -> None:
    done = smoke_cli("openai", served, "--format", "json", fault="http-404-model")
    assert done.returncode == 4
    document = orjson.loads(done.stdout)
    assert document["exit_code"] == 4
    [target] = document["targets"]
    assert (target["target"], target["class"], target["exit_code"]) == (
        "openai:gpt-4o-mini",
        "no-access",
        4,
    )
    assert target["result"]["status"] == 404
    assert target["result"]["findings"][0]["code"] == "SC401"
    assert_no_canary(done.stdout, done.stderr)


def test_streamcheck_toml_found_from_a_subfolder(served: str, tmp_path: Path) -> None:
    (tmp_path / "streamcheck.toml").write_text(
        f'[[smoke]]\nprovider = "anthropic"\nmodel = "claude-3-5-haiku"\nbase-url = "{served}"\n',
        encoding="utf-8",
    )
    inner = tmp_path / "app" / "src"
    inner.mkdir(parents=True)
    done = run_streamcheck("smoke", env=CANARY_ENV, cwd=inner)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.startswith("PASS  anthropic:claude-3-5-haiku  HTTP 200")


@pytest.mark.parametrize("command", ["smoke", "record"])
@pytest.mark.parametrize("flag", ["--connect-timeout", "--read-timeout", "--max-gap"])
def test_timeouts_and_gaps_must_be_positive(command: str, flag: str) -> None:
    """Not an httpx ValueError from deep inside: one line naming the flag, exit 2."""
    done = run_streamcheck(
        command,
        *("--provider", "openai", "--model", "m", "--base-url", "http://127.0.0.1:9/v1"),
        *(flag, "0"),
        env=CANARY_ENV,
    )
    assert done.returncode == 2
    assert done.stderr.strip() == f"streamcheck: error: {flag} 0.0: must be a positive number"
    assert_no_canary(done.stdout + done.stderr)


NO_KEYS = {"OPENAI_API_KEY": "", "ANTHROPIC_API_KEY": "", "AZURE_OPENAI_API_KEY": ""}


@pytest.mark.parametrize("provider", ["openai", "anthropic", "azure"])
def test_a_loopback_rehearsal_needs_no_key(served: str, provider: str) -> None:
    """README's rehearsal (`smoke --base-url http://127.0.0.1:8400 ... -H 'x-streamcheck-fault:
    http-429-quota'`) runs with no key set: the class of the fault decides the exit code."""
    args = ["smoke", "--provider", provider, "--model", MODELS[provider], "--base-url", served]
    fault = ["-H", "x-streamcheck-fault: http-429-quota"]
    done = run_streamcheck(*args, *fault, env=NO_KEYS)
    assert done.returncode == 5, done.stdout + done.stderr
    assert "[billing, exit 5]" in done.stdout
    ipv6 = served.replace("127.0.0.1", "[::1]")  # not listened on: unreachable, not usage
    assert run_streamcheck(*args[:-1], ipv6, env=NO_KEYS).returncode == 7


@pytest.mark.parametrize(
    ("provider", "variable", "extra"),
    [
        ("openai", "OPENAI_API_KEY", []),
        ("anthropic", "ANTHROPIC_API_KEY", []),
        ("azure", "AZURE_OPENAI_API_KEY", ["--base-url", "https://myres.openai.azure.com"]),
    ],
)
def test_a_provider_without_its_key_is_a_usage_error(
    provider: str, variable: str, extra: list[str]
) -> None:
    """Only a loopback server goes without a key: a real provider's missing key is exit 2,
    said before any request is made."""
    done = run_streamcheck(
        "smoke", "--provider", provider, "--model", MODELS[provider], *extra, env=NO_KEYS
    )
    assert done.returncode == 2, done.stdout + done.stderr
    assert f"{variable} is not set" in done.stdout

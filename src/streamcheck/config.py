"""Project configuration: `[tool.streamcheck]` in pyproject.toml, or a `streamcheck.toml`.

Found by walking up from the working folder: in each folder a `streamcheck.toml` (top-level keys)
wins over a `pyproject.toml` that has a `[tool.streamcheck]` table; a pyproject.toml without the
table is passed over, as ruff does. `--config PATH` names the file instead.

    [tool.streamcheck]
    paths = ["fixtures"]              # what `check` and `pytest --streamcheck` read by default
    select = ["SC1", "SC3"]           # codes or prefixes
    ignore = ["SC306"]
    fail-on = "warning"               # error | warning | info
    provider = "openai"               # provider defaults for recordings that do not say
    api = "chat-completions"
    api-version = "2.3.0"
    input-format = "auto"
    schemas = ["schemas/gateway"]     # extra schema folders
    protocols = ["relay.yaml"]        # user-defined protocol files (matched like built-in ones)
    baseline = "streamcheck-baseline.json"  # fail only on findings not in it (check --baseline)
    max-line = 16777216
    max-gap = 30.0

    [[tool.streamcheck.overrides]]    # later matching overrides win over earlier ones
    paths = ["fixtures/legacy", "*.ndjson"]
    ignore = ["SC5"]
    provider = "ollama"

Paths, globs and schema folders are relative to the config file's folder. An override glob with
no `/` matches a file or folder name at any depth; one with a `/` matches the path from the
config folder, and a folder matches everything under it. Precedence: command-line flags, then
matching overrides, then the top-level table, then built-in defaults. An unknown key or a value
of the wrong type is a `ConfigError` naming the key and the file.
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

from streamcheck import rules
from streamcheck.bounded_file import anyone_may_write
from streamcheck.check import CheckOptions
from streamcheck.exceptions import ConfigError
from streamcheck.model import Severity
from streamcheck.path_glob import Glob, compile_glob
from streamcheck.sources import BODY_FRAMINGS
from streamcheck.sources import FORMATS as INPUT_FORMATS


class Settings(NamedTuple):
    """Options one layer sets; None means 'not set here, ask the layer below'."""

    select: tuple[str, ...] | None = None
    ignore: tuple[str, ...] | None = None
    fail_on: Severity | None = None
    provider: str | None = None
    api: str | None = None
    api_version: str | None = None
    max_line: int | None = None
    max_gap: float | None = None

    def over(self, below: Settings) -> Settings:
        """These settings on top of `below`: whatever is set here wins."""
        return below._replace(**{k: v for k, v in self._asdict().items() if v is not None})

    def options(
        self,
        schema_dirs: tuple[Path, ...],
        input_format: str,
        protocol_files: tuple[Path, ...] = (),
        force_protocols: bool = False,
    ) -> CheckOptions:
        base = CheckOptions()
        return CheckOptions(
            provider=self.provider,
            api=self.api,
            api_version=self.api_version,
            framing=input_format if input_format in BODY_FRAMINGS else None,
            select=self.select or (),
            ignore=self.ignore or (),
            fail_on=self.fail_on if self.fail_on is not None else base.fail_on,
            max_line=self.max_line if self.max_line is not None else base.max_line,
            max_gap=self.max_gap if self.max_gap is not None else base.max_gap,
            schema_dirs=schema_dirs,
            protocol_files=protocol_files,
            force_protocols=force_protocols,
        )


class Override(NamedTuple):
    patterns: tuple[str, ...]
    settings: Settings

    def matches(self, relative: str | None, name: str) -> bool:
        for pattern in self.patterns:
            if "/" not in pattern.rstrip("/"):
                if _glob(pattern.rstrip("/")).fullmatch(name):
                    return True
                if relative is not None and any(
                    _glob(pattern.rstrip("/")).fullmatch(part) for part in relative.split("/")[:-1]
                ):
                    return True  # a bare folder name: everything under a folder of that name
            elif relative is not None:
                regex = _glob(pattern.strip("/").removeprefix("./"))
                parts = relative.split("/")
                if any(regex.fullmatch("/".join(parts[:n])) for n in range(1, len(parts) + 1)):
                    return True
        return False


class Config(NamedTuple):
    """A loaded configuration file (or none: `Config()` holds the defaults)."""

    file: Path | None = None
    paths: tuple[str, ...] = ()
    input_format: str | None = None
    schemas: tuple[Path, ...] = ()
    settings: Settings = Settings()
    overrides: tuple[Override, ...] = ()
    protocols: tuple[Path, ...] = ()
    baseline: Path | None = None  # `baseline = "..."`, relative to the config file
    # `require-judged = true`: an exchange no protocol could judge (SC901) fails the run.
    require_judged: bool = False

    @property
    def root(self) -> Path:
        return self.file.parent if self.file is not None else Path.cwd()

    def resolve(
        self,
        cli: Settings | None = None,
        *,
        input_format: str | None = None,
        schemas: tuple[Path, ...] = (),
        protocols: tuple[Path, ...] = (),
    ) -> Resolved:
        """Layer the command line over this file; `Resolved` then answers per path.

        Protocol files named on the command line replace the file's and are forced: only they
        judge the exchanges. The file's are offered before the built-in protocols."""
        chosen_format = input_format or self.input_format or "auto"
        flags = cli if cli is not None else Settings()
        files = protocols or self.protocols
        return Resolved(self, flags, chosen_format, self.schemas + schemas, files, bool(protocols))

    def default_paths(self) -> list[str]:
        """`paths` as the command line would name them: relative to the cwd when inside it."""
        return [_display(self.root, p) for p in self.paths]


class Resolved(NamedTuple):
    config: Config
    cli: Settings
    input_format: str
    schema_dirs: tuple[Path, ...]
    protocol_files: tuple[Path, ...] = ()
    force_protocols: bool = False

    @property
    def options(self) -> CheckOptions:
        """Options for a path no override matches."""
        return self._options(self.config.settings)

    def _options(self, from_file: Settings) -> CheckOptions:
        """The command line over the file's settings. The file's provider, api and
        api-version are defaults for recordings that do not say which API they are; only
        flags force them."""
        merged = self.cli.over(from_file)
        options = merged.options(self.schema_dirs, self.input_format, *self._protocols())
        return dataclasses.replace(
            options,
            provider=self.cli.provider,
            api=self.cli.api,
            api_version=self.cli.api_version,
            default_provider=from_file.provider,
            default_api=from_file.api,
            default_api_version=from_file.api_version,
        )

    def _protocols(self) -> tuple[tuple[Path, ...], bool]:
        return self.protocol_files, self.force_protocols

    def options_for(self, path: str) -> CheckOptions:
        matching = [o for o in self.config.overrides if self._matches(o, path)]
        if not matching:
            return self.options
        merged = self.config.settings
        for override in matching:
            merged = override.settings.over(merged)
        return self._options(merged)

    def per_path(self) -> Callable[[str], CheckOptions] | None:
        return self.options_for if self.config.overrides else None

    def _matches(self, override: Override, path: str) -> bool:
        if path == "-":
            return False
        absolute = Path(os.path.abspath(path))
        try:
            relative: str | None = absolute.relative_to(self.config.root.absolute()).as_posix()
        except ValueError:
            relative = None
        return override.matches(relative, absolute.name)


# -- finding and reading the file -------------------------------------------------------------


def find(start: Path | None = None) -> Path | None:
    """The nearest config file from `start` (the cwd) upwards, or None.

    The walk ends at the project's root (the first folder holding `.git`) and before a folder
    every user may write to (/tmp): a config planted above the project cannot silence its
    checks (`ignore = ["SC"]`)."""
    folder = (start or Path.cwd()).absolute()
    for candidate in (folder, *folder.parents):
        if anyone_may_write(candidate):
            return None
        own = candidate / "streamcheck.toml"
        if own.is_file():
            return own
        pyproject = candidate / "pyproject.toml"
        raw = _may_configure_us(pyproject)
        if raw is not None and tool_table(_parse_toml(pyproject, raw)) is not None:
            return pyproject
        if (candidate / ".git").exists():
            return None  # the project's root: what lies above is not its config
    return None


# Every TOML spelling of a `tool.streamcheck` table: a `[tool.streamcheck...]` header or a dotted
# `tool.streamcheck...` key (bare or quoted parts), a bare `[tool]` table, or an inline `tool = {`.
_MENTIONS_US = re.compile(
    rb"""(?mx)
    tool["']? \s* \. \s* ["']?streamcheck\b
    | ^\s* \[ \s* ["']?tool["']? \s* \]
    | ^\s* ["']?tool["']? \s* =
    """
)


def _may_configure_us(pyproject: Path) -> bytes | None:
    """The bytes of a pyproject.toml that can hold [tool.streamcheck], else None: most
    projects' cannot, and telling so from the bytes spares parsing TOML on every run."""
    if not pyproject.is_file():
        return None
    raw = _bytes(pyproject)
    return raw if _MENTIONS_US.search(raw) is not None else None


def load(path: Path | None = None, start: Path | None = None) -> Config:
    """Load `path` (a `--config`), else the file `find()` gives, else the defaults."""
    if path is None:
        path = find(start)
        if path is None:
            return Config()
    elif not path.is_file():
        raise ConfigError(f"{path}: config file not found")
    data = _read(path)
    if path.name == "pyproject.toml":
        table = tool_table(data)
        if table is None:
            raise ConfigError(f"{path}: no [tool.streamcheck] table")
        where = "[tool.streamcheck]"
    else:
        table, where = data, "the top level"
    return _parse(path.absolute(), table, where)


def tool_table(pyproject: dict[str, Any]) -> Any:
    """The `[tool.streamcheck]` value of a parsed pyproject.toml, or None (also when `tool` is
    not a table)."""
    tool = pyproject.get("tool")
    return tool.get("streamcheck") if isinstance(tool, dict) else None


def _read(path: Path) -> dict[str, Any]:
    return _parse_toml(path, _bytes(path))


def _bytes(path: Path) -> bytes:
    from streamcheck import bounded_file  # a regular file, capped: it is the checked tree's

    return bounded_file.read(path, "config file")


def _parse_toml(path: Path, raw: bytes) -> dict[str, Any]:
    import tomllib  # only when a file is found: a check with no config never parses TOML

    try:
        return tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML (not UTF-8: {exc.reason})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML ({exc})") from None
    except RecursionError:  # tomllib recurses per nesting level
        raise ConfigError(f"{path}: invalid TOML (nested too deep)") from None
    except ValueError:  # an integer past Python's 4,300-digit conversion limit
        raise ConfigError(f"{path}: invalid TOML (a number of more than 4,300 digits)") from None


# -- validating values --------------------------------------------------------------------------

_SETTING_KEYS = {
    "select",
    "ignore",
    "fail-on",
    "provider",
    "api",
    "api-version",
    "max-line",
    "max-gap",
}
# `smoke` holds the targets of `streamcheck smoke`, validated by streamcheck.live.call.smoke.
_TOP_KEYS = _SETTING_KEYS | {
    "paths",
    "input-format",
    "schemas",
    "protocols",
    "overrides",
    "smoke",
    "baseline",
    "require-judged",
}


def _parse(file: Path, table: Any, where: str) -> Config:
    if not isinstance(table, dict):
        raise ConfigError(f"{file}: {where} must be a table")
    _unknown(file, table, _TOP_KEYS, where)
    paths = _strings(file, table, "paths")
    input_format = table.get("input-format")
    if input_format is not None and input_format not in INPUT_FORMATS:
        raise ConfigError(
            f"{file}: input-format {input_format!r}: expected one of {', '.join(INPUT_FORMATS)}"
        )
    schemas = tuple(file.parent / s for s in _strings(file, table, "schemas"))
    protocols = tuple(file.parent / s for s in _strings(file, table, "protocols"))
    overrides = []
    raw_overrides = table.get("overrides", [])
    if not isinstance(raw_overrides, list):
        raise ConfigError(f"{file}: overrides must be an array of tables ([[...overrides]])")
    for number, entry in enumerate(raw_overrides, 1):
        label = f"overrides #{number}"
        if not isinstance(entry, dict):
            raise ConfigError(f"{file}: {label} must be a table")
        _unknown(file, entry, _SETTING_KEYS | {"paths"}, label)
        patterns = _strings(file, entry, "paths")
        if not patterns:
            raise ConfigError(f"{file}: {label} needs `paths` (globs of the files it applies to)")
        overrides.append(Override(patterns, _settings(file, entry)))
    baseline = _string(file, table, "baseline")
    if baseline is not None and not baseline.strip():
        raise ConfigError(f"{file}: baseline must name a file")
    require_judged = table.get("require-judged", False)
    if not isinstance(require_judged, bool):
        raise ConfigError(f"{file}: require-judged must be true or false")
    return Config(
        file,
        paths,
        input_format,
        schemas,
        _settings(file, table),
        tuple(overrides),
        protocols,
        file.parent / baseline if baseline is not None else None,
        require_judged,
    )


def _unknown(file: Path, table: dict[str, Any], known: set[str], where: str) -> None:
    for key in table:
        if key not in known:
            hint = f" (did you mean {key.replace('_', '-')!r}?)" if "_" in key else ""
            raise ConfigError(f"{file}: unknown key {key!r} in {where}{hint}")


def _settings(file: Path, table: dict[str, Any]) -> Settings:
    fail_on = table.get("fail-on")
    severity = None
    if fail_on is not None:
        if not isinstance(fail_on, str):
            raise ConfigError(f"{file}: fail-on must be a string")
        try:
            severity = Severity.parse(fail_on)
        except ValueError as exc:
            raise ConfigError(f"{file}: fail-on: {exc}") from None
    select = _strings(file, table, "select") if "select" in table else None
    ignore = _strings(file, table, "ignore") if "ignore" in table else None
    return Settings(
        select=check_codes(select, f"{file}: select") if select is not None else None,
        ignore=check_codes(ignore, f"{file}: ignore") if ignore is not None else None,
        fail_on=severity,
        provider=_string(file, table, "provider"),
        api=_string(file, table, "api"),
        api_version=_string(file, table, "api-version"),
        max_line=_number(file, table, "max-line", int),
        max_gap=_number(file, table, "max-gap", float),
    )


def check_codes(values: tuple[str, ...], where: str) -> tuple[str, ...]:
    """Upper-cased codes or prefixes; one that names no registered rule is an error, so that a
    typo cannot silently select nothing and turn a CI job green."""
    out = []
    for value in values:
        code = value.strip().upper()
        if not code or not any(known.startswith(code) for known in rules.REGISTRY):
            raise ConfigError(f"{where}: {value!r} matches no rule (see 'streamcheck rules')")
        out.append(code)
    return tuple(out)


def _strings(file: Path, table: dict[str, Any], key: str) -> tuple[str, ...]:
    value = table.get(key, [])
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{file}: {key} must be a list of strings")
    return tuple(value)


def _string(file: Path, table: dict[str, Any], key: str) -> str | None:
    value = table.get(key)
    if value is not None and not isinstance(value, str):
        raise ConfigError(f"{file}: {key} must be a string")
    return value


def _number(file: Path, table: dict[str, Any], key: str, kind: type[Any]) -> Any:
    value = table.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise ConfigError(f"{file}: {key} must be a positive number")
    if kind is int and not isinstance(value, int):
        raise ConfigError(f"{file}: {key} must be a whole number")
    try:
        return kind(value)
    except OverflowError:  # an integer past a float's range, for a float setting
        raise ConfigError(f"{file}: {key} is too large") from None


# -- paths ------------------------------------------------------------------------------------


def _display(root: Path, given: str) -> str:
    """A config path (relative to the config folder) as the user would type it from the cwd."""
    full = Path(given) if Path(given).is_absolute() else root / given
    relative = os.path.relpath(full, Path.cwd())
    return full.as_posix() if relative.startswith("..") else Path(relative).as_posix()


def _glob(pattern: str) -> Glob:
    """gitignore-like glob: `**/` any number of folders, `*` and `?` within one name; matched
    in linear time (path_glob.py: the config is the checked tree's)."""
    return compile_glob(pattern)

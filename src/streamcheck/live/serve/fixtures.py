"""What `serve` replays: the recordings loaded once (`Fixture`), how one is named, the serve
options and the headers a request uses to choose. Shared by the HTTP replay (server.py) and the
WebSocket one (ws_server.py), so neither imports the other's internals."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from streamcheck.check import CheckOptions, check_exchange
from streamcheck.exceptions import ConfigError, InputError
from streamcheck.live.serve.faults import Fault, Send
from streamcheck.live.serve.replay_match import Features, features
from streamcheck.model import Close, Message, Severity
from streamcheck.protocols.base import url_parts
from streamcheck.schemas import Catalog
from streamcheck.sources import expand, read_path

FIXTURE_HEADER = "x-streamcheck-fixture"
FAULT_HEADER = "x-streamcheck-fault"
SPEED_HEADER = "x-streamcheck-speed"


@dataclass(slots=True)
class Fixture:
    """One recorded exchange held in memory, ready to replay."""

    name: str
    source: str
    provider: str | None
    api: str | None
    path: str | None  # URL path of the recorded request
    model: str | None
    status: int
    headers: dict[str, str]
    framing: str
    defects: int  # 0 clean, 1 warnings, 2 errors: clean recordings are picked first
    chunks: list[Send] = field(default_factory=list)
    features: Features = ()  # what the recorded request asked for (replay_match.py)
    # A WebSocket recording (ws_server.py replays it as an upgrade on `path`): its messages,
    # both directions, and how it closed.
    messages: list[Message] | None = None
    close: Close | None = None

    @property
    def dialect(self) -> str:
        return "anthropic" if self.provider == "anthropic" else "openai"


def load_fixtures(paths: list[str]) -> list[Fixture]:
    """Every exchange of every recording under `paths`, checked once to learn its API and
    how clean it is. A recording in a folder is named by its path under that folder without
    the suffix (`rules/SC301/bad`), a file given by itself by its stem; `#N` names the N-th
    exchange of a file after the first."""
    catalog = Catalog()
    options = CheckOptions()
    found: list[Fixture] = []
    for given in paths:
        root = Path(given) if Path(given).is_dir() else None
        for path in expand([given]):
            stem = (
                Path(path).relative_to(root).with_suffix("").as_posix()
                if root is not None
                else Path(path).stem
            )
            if any(f.name == stem for f in found):
                stem += Path(path).suffix  # x.sse beside x.http: the second keeps its suffix
            found.extend(_fixtures(path, stem, options, catalog))
    if not found:
        raise InputError(f"{', '.join(paths)}: no recordings to serve")
    return found


def _fixtures(path: str, stem: str, options: CheckOptions, catalog: Catalog) -> Iterator[Fixture]:
    for exchange in read_path(path):  # lazily: each exchange's chunks are read in turn
        chunks = [Send(data, time) for data, time in exchange.chunks]
        exchange.chunks = iter([(s.data, s.time) for s in chunks])
        messages = None if exchange.messages is None else list(exchange.messages)
        if messages is not None:
            exchange.messages = iter(messages)
        result = check_exchange(exchange, options, catalog)
        body = exchange.request.body
        model = body.get("model") if isinstance(body, dict) else None
        url = exchange.request.url
        worst = result.worst()
        yield Fixture(
            name=stem if exchange.index == 0 else f"{stem}#{exchange.index}",
            source=path,
            provider=exchange.provider or result.provider,
            api=exchange.api or result.api,
            path=url_parts(url).path if url else None,  # a recorded URL may not split
            model=str(model) if model else None,
            status=exchange.status or 200,
            headers=dict(exchange.headers),
            framing=result.framing if result.framing in ("sse", "ndjson") else "sse",
            defects=0
            if worst is None or worst < Severity.WARNING
            else 1 + (worst >= Severity.ERROR),
            chunks=chunks,
            features=features(body),
            messages=messages,
            close=exchange.close,
        )


@dataclass(frozen=True, slots=True)
class ServeOptions:
    speed: float = 1.0
    fault: Fault | None = None
    fixture: str | None = None


def find(fixtures: list[Fixture], name: str) -> Fixture:
    """The fixture a name means (file stem, `stem#N`, its path or its file name)."""
    for fixture in fixtures:
        names = (fixture.name, fixture.source, Path(fixture.source).name)
        if name in names or (name.endswith("#0") and name[:-2] in names):
            return fixture
    known = ", ".join(f.name for f in fixtures)
    raise ConfigError(f"no fixture named {name!r} (loaded: {known})")

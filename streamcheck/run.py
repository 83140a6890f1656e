"""Run the checker over paths or bytes and build a Report. What the CLI does, as a library."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from streamcheck.check import CheckOptions, check_exchange
from streamcheck.model import Exchange, ExchangeResult, Report, Request
from streamcheck.schemas import Catalog
from streamcheck.sources import expand, read_path
from streamcheck.sources.raw import from_stream


def iter_results(
    paths: Iterable[str],
    options: CheckOptions,
    input_format: str = "auto",
    catalog: Catalog | None = None,
) -> Iterator[ExchangeResult]:
    yield from iter_files(expand(list(paths)), options, input_format, catalog)


def iter_files(
    files: Iterable[str],
    options: CheckOptions,
    input_format: str = "auto",
    catalog: Catalog | None = None,
    *,
    options_for: Callable[[str], CheckOptions] | None = None,
    on_file: Callable[[str], None] | None = None,
) -> Iterator[ExchangeResult]:
    """Check files already expanded (see `sources.expand`).

    `options_for(path)` gives per-file options (config overrides); `on_file(path)` is called
    before each file is read (progress display).
    """
    catalog = catalog or Catalog(options.schema_dirs)
    options.protocols()  # reject an unknown --provider before reading anything
    for path in files:
        if on_file is not None:
            on_file(path)
        file_options = options_for(path) if options_for is not None else options
        if file_options is not options:
            file_options.protocols()
        for exchange in read_path(path, input_format):
            result = check_exchange(exchange, file_options, catalog)
            if file_options.fail_on != options.fail_on:
                result.fail_on = file_options.fail_on
            yield result


def check_paths(
    paths: Iterable[str], options: CheckOptions | None = None, input_format: str = "auto"
) -> Report:
    """Check files, folders and globs; '-' reads standard input."""
    options = options or CheckOptions()
    return Report(list(iter_results(paths, options, input_format)), fail_on=options.fail_on)


def check_bytes(
    data: bytes,
    options: CheckOptions | None = None,
    *,
    source: str = "<bytes>",
    status: int | None = None,
    headers: dict[str, str] | None = None,
    url: str | None = None,
    request_body: Any = None,
) -> Report:
    """Check one body held in memory (raw SSE/NDJSON/JSON, or a `curl -i` dump).

    `request_body` is the parsed JSON the request sent, when known: rules that depend on what was
    asked (`stream_options.include_usage`, `stream`) use it.
    """
    options = options or CheckOptions()
    stream = io.BytesIO(data)
    exchange = from_stream(source, stream, stream.read(4096))
    if status is not None or headers or url or request_body is not None:
        exchange = Exchange(
            source,
            0,
            Request(url=url, body=request_body),
            status if status is not None else exchange.status,
            headers or exchange.headers,
            exchange.chunks,
            body_offset=exchange.body_offset,
            body_line=exchange.body_line,
        )
    result = check_exchange(exchange, options, Catalog(options.schema_dirs))
    return Report([result], fail_on=options.fail_on)

"""google-genai's Live client (`client.aio.live.connect(...)`) against `serve`'s Gemini Live
replay, fault by fault, and the README table of what it does.

The client always connects with TLS (it passes an SSL context to websockets, which refuses it
for a ws:// URI), so the test puts a TLS relay on 127.0.0.1 in front of `serve`: a certificate
made for 127.0.0.1 on the spot, trusted by the client through `HttpOptions.async_client_args`.
The relay forwards bytes both ways and closes each side when the other closes; it never reads
the WebSocket. The key is a canary, never seen in what serve logs or the client raises.

    python -m tests.live.test_gemini_live_client --write   # rewrites the README table
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import ipaddress
import ssl
import sys
from collections.abc import AsyncIterator
from importlib.metadata import version
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from google import genai
from google.genai import types

from streamcheck.live.serve.server import ServeOptions, running
from tests.conftest import FIXTURES, ROOT
from tests.lock import locked

TAPE = FIXTURES / "gemini-live" / "text-turn.tape"
CANARY = "AIzaCANARY-live23-never-printed"
FULL_TEXT = "Hello!"
# fault -> what google-genai's live session does (`receive()` until turnComplete).
EXPECTED: dict[str, str] = {
    "none": "ok: full text, turnComplete",
    "drop-terminator": "raises `google.genai.errors.APIError` (1000) after full text",
    "truncate-after:2": "raises `google.genai.errors.APIError` (1000) after partial text",
    "close:1005": "raises `google.genai.errors.APIError` (1005) after partial text",
    "close:1011": "raises `google.genai.errors.APIError` (1011) after partial text",
    "close:1007": "raises `google.genai.errors.APIError` (1007) after partial text",
    "reset": "raises `google.genai.errors.APIError` (1006) after partial text",
    "http-401": "raises `websockets.InvalidStatus` (HTTP 401) at `connect()`",
}


def certificate(folder: Path) -> tuple[Path, Path, bytes]:
    """A self-signed certificate for 127.0.0.1: (cert file, key file, cert PEM)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    pem = cert.public_bytes(serialization.Encoding.PEM)
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(pem)
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file, pem


async def _pump(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, ssl.SSLError):
        pass
    finally:
        writer.close()
        with contextlib.suppress(ConnectionError, ssl.SSLError):
            await writer.wait_closed()


@contextlib.asynccontextmanager
async def tls_relay(port: int, cert: Path, key: Path) -> AsyncIterator[int]:
    """A TLS listener on 127.0.0.1 whose connections are relayed to 127.0.0.1:port."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    tasks: set[asyncio.Task[None]] = set()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", port)
        both = asyncio.gather(_pump(reader, up_writer), _pump(up_reader, writer))
        task = asyncio.ensure_future(both)
        tasks.add(task)
        with contextlib.suppress(asyncio.CancelledError):  # the relay is closing
            await task

    server = await asyncio.start_server(handle, "127.0.0.1", 0, ssl=context)
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        server.close()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await server.wait_closed()


async def session(port: int, trust: bytes, fault: str) -> str:
    """One Live session through google-genai: what it returned or raised, as a table cell."""
    headers = {} if fault == "none" else {"x-streamcheck-fault": fault}
    options = types.HttpOptions(
        base_url=f"https://127.0.0.1:{port}",
        headers=headers,
        async_client_args={"ssl": ssl.create_default_context(cadata=trust.decode())},
    )
    client = genai.Client(api_key=CANARY, http_options=options)
    text, complete = "", False
    try:
        config = types.LiveConnectConfig(response_modalities=[types.Modality.TEXT])
        async with client.aio.live.connect(model="gemini-live-2.5-flash", config=config) as live:
            await live.send_client_content(
                turns=types.Content(role="user", parts=[types.Part(text="Hi")]),
                turn_complete=True,
            )
            async for message in live.receive():
                text += message.text or ""
                content = message.server_content
                complete = complete or bool(content and content.turn_complete)
    except Exception as exc:
        assert CANARY not in str(exc)
        return _raised(exc, text)
    finally:
        await client.aio.aclose()
    amount = "full text" if text == FULL_TEXT else "partial text" if text else "no text"
    if complete:
        return f"ok: {amount}, turnComplete"
    return f"**silent**: {amount}, receive() ends without turnComplete"


def _raised(exc: Exception, text: str) -> str:
    name = f"{type(exc).__module__}.{type(exc).__name__}"
    if name.startswith("websockets."):
        name = "websockets." + type(exc).__name__
        status = getattr(getattr(exc, "response", None), "status_code", None)
        return f"raises `{name}` (HTTP {status}) at `connect()`"
    code = getattr(exc, "code", None)
    after = f" after {'full' if text == FULL_TEXT else 'partial'} text" if text else ""
    return f"raises `{name}` ({code}){after}"


async def outcomes(trust: bytes, cert: Path, key: Path) -> dict[str, str]:
    found = {}
    with running([str(TAPE)], ServeOptions(speed=0)) as base:
        port = int(base.rsplit(":", 1)[1])
        async with tls_relay(port, cert, key) as tls_port:
            for fault in EXPECTED:
                found[fault] = await session(tls_port, trust, fault)
    return found


def table(found: dict[str, str]) -> str:
    head = f"| fault | google-genai {locked('google-genai')} live client |\n| --- | --- |\n"
    return head + "".join(f"| `{fault}` | {cell} |\n" for fault, cell in found.items())


@pytest.fixture(scope="module")
def found(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    cert, key, pem = certificate(tmp_path_factory.mktemp("tls"))
    return asyncio.run(outcomes(pem, cert, key))


@pytest.mark.parametrize("fault", list(EXPECTED))
def test_the_google_genai_live_client_against_each_fault(found: dict[str, str], fault: str) -> None:
    assert found[fault] == EXPECTED[fault]


def test_readme_table_is_the_one_the_client_gives(found: dict[str, str]) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert table(found) in readme, (
        "regenerate: python -m tests.live.test_gemini_live_client --write"
    )


def test_the_installed_google_genai_is_the_locked_one() -> None:
    assert version("google-genai") == locked("google-genai")


def write(folder: Path) -> None:
    """Replace the README table (from its header row to the first non-table line)."""
    cert, key, pem = certificate(folder)
    made = table(asyncio.run(outcomes(pem, cert, key)))
    path = ROOT / "README.md"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    start = next(i for i, line in enumerate(lines) if line.startswith("| fault | google-genai"))
    end = next(i for i in range(start, len(lines)) if not lines[i].startswith("|"))
    path.write_text("".join(lines[:start]) + made + "".join(lines[end:]), "utf-8")


if __name__ == "__main__":
    import tempfile

    if sys.argv[1:] == ["--write"]:
        with tempfile.TemporaryDirectory() as scratch:
            write(Path(scratch))
    else:
        with tempfile.TemporaryDirectory() as scratch:
            cert, key, pem = certificate(Path(scratch))
            print(table(asyncio.run(outcomes(pem, cert, key))), end="")

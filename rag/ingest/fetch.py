"""Adding articles by URL or feed: `python -m rag add URL...`, `python -m rag add --feed URL`, and
the app's "Add by URL" field.

A fetch is untrusted work done on the user's behalf: http and https only, each redirect re-checked,
addresses on this machine or its private network refused (unless `DOSSIER_FETCH_PRIVATE=true`: a
local feed server, tests), a time limit and the upload size cap. The page goes through the same
path as an upload (`ingest.add_upload`: trafilatura, original kept), with its URL recorded as the
article's source link. A feed (RSS or Atom, read by feedparser) adds each item's page, skipping URLs
already in the collection; a page with the same text is recognised too.
"""

from __future__ import annotations

import ipaddress
import re
import socket
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin, urlsplit, urlunsplit

from rag.core.deadline import closes_at
from rag.core.errors import CorpusError
from rag.core.settings import Settings, source_url
from rag.ingest.uploads import Added, add_upload

MAX_REDIRECTS = 5
MAX_FEED_ITEMS = 50  # a 4.7 MB feed can list 60,000 items: each one is a fetch and a file
_SOURCE_LINE = re.compile(r"^Source: (https?://\S+)$", re.MULTILINE)


@dataclass(frozen=True)
class Fetched:
    url: str
    """The final URL, after redirects."""
    data: bytes
    content_type: str


Resolver = Callable[[str, int], list[str]]
"""host, port -> the addresses it resolves to (tests pass a fake; the default asks the system)."""


def system_resolver(host: str, port: int) -> list[str]:
    return list(dict.fromkeys(str(info[4][0]) for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)))


def fetch(url: str, settings: Settings, resolver: Resolver = system_resolver) -> Fetched:
    """GET `url` under the rules above. Raises CorpusError with what went wrong.

    The host is resolved once and the connection made to the address that was checked (the Host
    header and TLS name stay the host's), so a resolver that answers differently the second time
    (DNS rebinding) cannot send the request inside the network. The body is asked for without
    compression and any encoding a server applies anyway is undone with a bound, so a small
    compressed body cannot inflate past the size cap. One deadline covers the whole fetch."""
    import httpx

    current = url.strip()
    deadline = time.monotonic() + settings.corpus.fetch_timeout
    client = httpx.Client(timeout=settings.corpus.fetch_timeout, follow_redirects=False, trust_env=False)
    # The deadline closes the client's sockets, so a server that trickles its headers is cut off too.
    with client, closes_at(deadline, client.close):
        for _ in range(MAX_REDIRECTS + 1):
            target, host, address = _check(current, settings, resolver)
            headers = {"User-Agent": "Dossier/1 (+news QA)", "Accept-Encoding": "identity", "Host": host}
            try:
                request = client.build_request("GET", target, headers=headers)
                if urlsplit(current).scheme == "https":
                    request.extensions["sni_hostname"] = urlsplit(current).hostname
                response = client.send(request, stream=True)
                try:
                    if response.is_redirect and "location" in response.headers:
                        current = urljoin(current, response.headers["location"])
                        continue
                    if response.status_code >= 400:
                        raise CorpusError(f"{url}: the server answered {response.status_code}.")
                    data = _read(response, url, settings.corpus.max_file_bytes, deadline)
                    return Fetched(current, data, response.headers.get("content-type", ""))
                finally:
                    response.close()
            except (httpx.HTTPError, RuntimeError) as e:  # RuntimeError: the deadline closed the client
                if isinstance(e, httpx.TimeoutException) or time.monotonic() >= deadline:
                    raise CorpusError(f"{url}: no answer within {settings.corpus.fetch_timeout:g} s.") from None
                raise CorpusError(f"{url}: cannot fetch it ({type(e).__name__}).") from None
    raise CorpusError(f"{url}: more than {MAX_REDIRECTS} redirects.")


def _read(response, url: str, limit: int, deadline: float) -> bytes:  # type: ignore[no-untyped-def]
    """The body, raw bytes decoded here with a bound (gzip and deflate; other encodings refused)."""
    encodings = [e.strip().lower() for e in response.headers.get("content-encoding", "").split(",") if e.strip()]
    encodings = [e for e in encodings if e != "identity"]
    if any(e not in ("gzip", "x-gzip", "deflate") for e in encodings):
        raise CorpusError(
            f"{url}: the server compressed the page as {', '.join(encodings)}, which Dossier does not read."
        )
    decoders = [zlib.decompressobj(wbits=47 if e in ("gzip", "x-gzip") else 15) for e in reversed(encodings)]
    data = bytearray()
    for chunk in response.iter_raw():
        if time.monotonic() > deadline:
            raise CorpusError(f"{url}: not received within the time limit.")
        for decoder in decoders:  # the last encoding applied is undone first
            chunk = decoder.decompress(chunk, limit + 1 - len(data))
            if decoder.unconsumed_tail:
                raise CorpusError(f"{url}: larger than the {limit:,}-byte limit once decompressed.")
        data += chunk
        if len(data) > limit:
            raise CorpusError(f"{url}: larger than the {limit:,}-byte limit.")
    return bytes(data)


# IPv6 forms that carry an IPv4 address: the IPv4 address is what a connection reaches.
_EMBEDDING = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("::ffff:0:0:0/96"))  # NAT64, SIIT


def _reached(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return ip.ipv4_mapped
        if ip.sixtofour is not None:
            return ip.sixtofour
        if any(ip in net for net in _EMBEDDING) or (int(ip) >> 32 == 0 and int(ip) > 1):  # or ::127.0.0.1
            return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return ip


def _check(url: str, settings: Settings, resolver: Resolver) -> tuple[str, str, str]:
    """(the URL to connect to, the Host header, the address checked): the URL with its host replaced
    by the one address the connection may use."""
    try:
        parts = urlsplit(url)
        port = parts.port
        host = parts.hostname
    except ValueError:
        raise CorpusError(f"{url}: not a valid address (check the host and port).") from None
    if parts.scheme not in ("http", "https") or not host:
        raise CorpusError(f"{url}: only http:// and https:// addresses can be added.")
    port = port or (443 if parts.scheme == "https" else 80)
    netloc_host = parts.netloc.rsplit("@", 1)[-1]
    try:
        addresses = resolver(host, port)
    except (socket.gaierror, UnicodeError, ValueError, OSError):
        raise CorpusError(f"{url}: the host {host} is not known.") from None
    if not addresses:
        raise CorpusError(f"{url}: the host {host} is not known.")
    for address in addresses:
        ip = _reached(ipaddress.ip_address(address.split("%")[0]))
        if not settings.corpus.fetch_private and not ip.is_global:
            raise CorpusError(
                f"{url}: {host} is an address on this machine or a private network; "
                "set DOSSIER_FETCH_PRIVATE=true to allow it."
            )
    address = addresses[0].split("%")[0]
    pinned = f"[{address}]" if ":" in address else address
    target = urlunsplit((parts.scheme, f"{pinned}:{port}", parts.path or "/", parts.query, ""))
    return target, netloc_host, address


def add_url(url: str, settings: Settings) -> Added:
    """Fetch one page (or PDF, or text file) and add it to the corpus with its URL."""
    page = fetch(url, settings)
    kind = page.content_type.split(";")[0].strip().lower()
    suffix = {"application/pdf": ".pdf", "text/plain": ".txt", "text/markdown": ".md"}.get(kind, ".html")
    slug = re.sub(r"[^\w-]+", "-", urlsplit(page.url).path.strip("/").rsplit("/", 1)[-1].rsplit(".", 1)[0])
    name = f"{slug.strip('-')[:60] or urlsplit(page.url).hostname or 'page'}{suffix}"
    return add_upload(settings.corpus.corpus_dir, name, page.data, settings.corpus.max_file_bytes, url=page.url)


def known_urls(corpus_dir: Path) -> set[str]:
    """The source links of the articles already in the corpus."""
    found: set[str] = set()
    for path in corpus_dir.glob("*.txt") if corpus_dir.is_dir() else ():
        with open(path, encoding="utf-8", errors="replace") as f:
            found.update(_SOURCE_LINE.findall(f.read(4000)))
    return found


def feed_links(url: str, settings: Settings) -> list[str]:
    """The item links of an RSS or Atom feed, in feed order."""
    import feedparser

    feed = feedparser.parse(fetch(url, settings).data)
    if feed.bozo and not feed.entries:
        raise CorpusError(f"{url}: not an RSS or Atom feed ({type(feed.bozo_exception).__name__}).")
    return [entry.link for entry in feed.entries if entry.get("link")]


def outcome(link: str, result: Added | CorpusError | None) -> tuple[str, str]:
    """("added" | "already" | "error", a sentence for the user) for one URL's result."""
    if isinstance(result, CorpusError):
        return "error", str(result)
    if result is None or result.already:
        return "already", f"Already in the collection: {link}"
    return "added", f"Added {link} as {result.path.name}"


def add_pages(url: str, settings: Settings, feed: bool, on_item: Callable[[str, str], None]) -> tuple[int, int]:
    """Add a page, or a feed's pages: the one add-by-URL workflow of the CLI and the app.
    `on_item(kind, message)` hears each page's outcome (`outcome`); a failure is reported, never
    raised. Returns (pages added, failures)."""
    added = failed = 0

    def heard(link: str, result: Added | CorpusError | None) -> None:
        nonlocal added, failed
        kind, message = outcome(link, result)
        added += kind == "added"
        failed += kind == "error"
        on_item(kind, message)

    try:
        if feed:
            add_feed(url, settings, heard)
        else:
            heard(url, add_url(url, settings))
    except CorpusError as e:
        heard(url, e)
    return added, failed


def add_feed(
    url: str, settings: Settings, on_item: Callable[[str, Added | CorpusError | None], None] | None = None
) -> list[Added]:
    """Add the feed's new items; `on_item(link, result)` hears of each (None: already added)."""
    seen = known_urls(settings.corpus.corpus_dir)
    added = []
    links = feed_links(url, settings)
    if len(links) > MAX_FEED_ITEMS and on_item:
        on_item(
            url, CorpusError(f"{url}: the feed lists {len(links)} items; only the first {MAX_FEED_ITEMS} are added.")
        )
    for link in links[:MAX_FEED_ITEMS]:
        if source_url(link) in seen:
            if on_item:
                on_item(link, None)
            continue
        try:
            result = add_url(link, settings)
        except CorpusError as e:  # one bad item never stops the others
            if on_item:
                on_item(link, e)
            continue
        except Exception as e:  # nor does one that breaks the intake in a way nobody foresaw
            if on_item:
                on_item(link, CorpusError(f"{link}: could not be added ({type(e).__name__})."))
            continue
        seen.add(source_url(link))
        added.append(result)
        if on_item:
            on_item(link, result)
    return added

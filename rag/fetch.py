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
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from .errors import CorpusError
from .ingest import Added, add_upload
from .settings import Settings

MAX_REDIRECTS = 5
_SOURCE_LINE = re.compile(r"^Source: (https?://\S+)$", re.MULTILINE)


@dataclass(frozen=True)
class Fetched:
    url: str
    """The final URL, after redirects."""
    data: bytes
    content_type: str


def fetch(url: str, settings: Settings) -> Fetched:
    """GET `url` under the rules above. Raises CorpusError with what went wrong."""
    import httpx

    current = url.strip()
    with httpx.Client(timeout=settings.fetch_timeout, follow_redirects=False) as client:
        for _ in range(MAX_REDIRECTS + 1):
            _check(current, settings)
            try:
                with client.stream("GET", current, headers={"User-Agent": "Dossier/1 (+news QA)"}) as response:
                    if response.is_redirect and "location" in response.headers:
                        current = urljoin(current, response.headers["location"])
                        continue
                    if response.status_code >= 400:
                        raise CorpusError(f"{url}: the server answered {response.status_code}.")
                    data = bytearray()
                    for chunk in response.iter_bytes():
                        data += chunk
                        if len(data) > settings.max_file_bytes:
                            raise CorpusError(f"{url}: larger than the {settings.max_file_bytes:,}-byte limit.")
                    return Fetched(current, bytes(data), response.headers.get("content-type", ""))
            except httpx.TimeoutException:
                raise CorpusError(f"{url}: no answer within {settings.fetch_timeout:g} s.") from None
            except httpx.HTTPError as e:
                raise CorpusError(f"{url}: cannot fetch it ({type(e).__name__}).") from None
    raise CorpusError(f"{url}: more than {MAX_REDIRECTS} redirects.")


def _check(url: str, settings: Settings) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise CorpusError(f"{url}: only http:// and https:// addresses can be added.")
    if settings.fetch_private:
        return
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(parts.hostname, parts.port or 443)}
    except socket.gaierror:
        raise CorpusError(f"{url}: the host {parts.hostname} is not known.") from None
    for address in addresses:
        ip = ipaddress.ip_address(address.split("%")[0])
        if not ip.is_global:
            raise CorpusError(
                f"{url}: {parts.hostname} is an address on this machine or a private network; "
                "set DOSSIER_FETCH_PRIVATE=true to allow it."
            )


def add_url(url: str, settings: Settings) -> Added:
    """Fetch one page (or PDF, or text file) and add it to the corpus with its URL."""
    page = fetch(url, settings)
    kind = page.content_type.split(";")[0].strip().lower()
    suffix = {"application/pdf": ".pdf", "text/plain": ".txt", "text/markdown": ".md"}.get(kind, ".html")
    slug = re.sub(r"[^\w-]+", "-", urlsplit(page.url).path.strip("/").rsplit("/", 1)[-1].rsplit(".", 1)[0])
    name = f"{slug.strip('-')[:60] or urlsplit(page.url).hostname or 'page'}{suffix}"
    return add_upload(settings.corpus_dir, name, page.data, settings.max_file_bytes, url=page.url)


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


def add_feed(
    url: str, settings: Settings, on_item: Callable[[str, Added | CorpusError | None], None] | None = None
) -> list[Added]:
    """Add the feed's new items; `on_item(link, result)` hears of each (None: already added)."""
    seen = known_urls(settings.corpus_dir)
    added = []
    for link in feed_links(url, settings):
        if link in seen:
            if on_item:
                on_item(link, None)
            continue
        try:
            result = add_url(link, settings)
        except CorpusError as e:  # one bad item never stops the others
            if on_item:
                on_item(link, e)
            continue
        seen.add(link)
        added.append(result)
        if on_item:
            on_item(link, result)
    return added

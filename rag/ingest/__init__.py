"""Articles in (and out: `remove_file`): uploads of any text encoding, HTML pages and PDFs
(`uploads`), pages and feeds by URL (`fetch`, public addresses only), and cleaning a file into
articles with their metadata, credit lines, reader comments and notes (`clean`), in a worker process
with a time budget per document (`worker`)."""

from rag.ingest.clean import load_file, parse, parse_date
from rag.ingest.fetch import add_feed, add_pages, add_url, fetch, outcome
from rag.ingest.uploads import ACCEPTED, Added, add_upload, load_document, remove_file, upload_outcome

__all__ = [
    "ACCEPTED",
    "Added",
    "add_feed",
    "add_pages",
    "add_upload",
    "add_url",
    "fetch",
    "load_document",
    "load_file",
    "outcome",
    "parse",
    "parse_date",
    "remove_file",
    "upload_outcome",
]

"""Where photos are kept: a port the server fills. The core names a photo by its digest and never touches files."""

from __future__ import annotations

from typing import Protocol


class AttachmentStore(Protocol):
    def put(self, digest: str, data: bytes) -> str:
        """Keep ``data`` (whose sha256 is ``digest``) and return where it is, relative to the store."""
        ...


class NoStore:
    """A core configured without a store refuses photos instead of dropping them."""

    def put(self, digest: str, data: bytes) -> str:
        raise RuntimeError("no attachment store is configured: photos cannot be kept")

"""The photo store on disk: content-addressed files under the attachments directory (one copy per photo)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class FileStore:
    root: Path

    def put(self, digest: str, data: bytes) -> str:
        """Write ``data`` as ``ab/abcdef…`` once; atomic, so a reader never sees half a photo."""
        rel = Path(digest[:2]) / digest
        dest = self.root / rel
        if not dest.exists():
            dest.parent.mkdir(parents=True, exist_ok=True)
            tmp = dest.with_suffix(".part")
            tmp.write_bytes(data)
            tmp.replace(dest)
        return str(rel)

    def path(self, rel: str) -> Path:
        """The file behind a stored path; a path that leaves the store is refused."""
        path = (self.root / rel).resolve()
        if not path.is_relative_to(self.root.resolve()):
            raise ValueError(f"{rel!r} is outside the attachment store")
        return path

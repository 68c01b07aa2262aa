"""Where things live: the knowledge folder and the store (flags, then environment, defaults)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

BUNDLED_KNOWLEDGE = Path(__file__).resolve().parent.parent / "knowledge"


def default_store() -> Path:
    """The user's data directory, so answers work from any working directory."""
    import platformdirs

    return platformdirs.user_data_path("spendbot") / "store"


@dataclass(frozen=True)
class Settings:
    knowledge_dir: Path
    store_dir: Path
    chroma_url: str | None = None  # Chroma's own server instead of the embedded store
    namespace: str = "spendbot-"  # prefix of collection names, for a shared Chroma server

    @classmethod
    def load(cls, knowledge: str | None = None, store: str | None = None,
             chroma_url: str | None = None) -> Settings:
        host = os.environ.get("SPENDBOT_CHROMA_HOST")
        url = chroma_url or os.environ.get("SPENDBOT_CHROMA_URL") or (
            f"http://{host}:{os.environ.get('SPENDBOT_CHROMA_PORT', '8000')}" if host else None)
        return cls(
            knowledge_dir=Path(knowledge or os.environ.get("SPENDBOT_KNOWLEDGE")
                               or BUNDLED_KNOWLEDGE),
            store_dir=Path(store or os.environ.get("SPENDBOT_STORE") or default_store()),
            chroma_url=url,
            namespace=os.environ.get("SPENDBOT_CHROMA_NAMESPACE", "spendbot-"),
        )

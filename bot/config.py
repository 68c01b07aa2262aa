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

    @classmethod
    def load(cls, knowledge: str | None = None, store: str | None = None) -> Settings:
        return cls(
            knowledge_dir=Path(knowledge or os.environ.get("SPENDBOT_KNOWLEDGE")
                               or BUNDLED_KNOWLEDGE),
            store_dir=Path(store or os.environ.get("SPENDBOT_STORE") or default_store()),
        )

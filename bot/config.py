"""All configuration in one place: command-line flags, then the environment, then defaults.

Every environment variable the bot reads is read here, once, into a typed `Settings`, so
`spendbot config` can show exactly what a process will use (secrets masked) and no module
has to know where a value came from.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path

BUNDLED_KNOWLEDGE = Path(__file__).resolve().parent.parent / "knowledge"
SECRET = re.compile(r"(token|secret|password|key)", re.I)


class UserError(ValueError):
    """A problem the person running the bot can fix; the message is one line for them."""


def default_store(knowledge_dir: Path) -> Path:
    """A folder in the user's data directory kept for this knowledge folder.

    Keyed by the knowledge folder's path, so two checkouts (or two departments' folders)
    never answer from each other's index."""
    import platformdirs

    resolved = knowledge_dir.expanduser().resolve()
    key = hashlib.sha256(str(resolved).encode()).hexdigest()[:10]
    slug = re.sub(r"[^a-z0-9]+", "-", resolved.parent.name.lower()).strip("-") or "knowledge"
    return platformdirs.user_data_path("spendbot") / f"store-{slug}-{key}"


@dataclass(frozen=True)
class Settings:
    knowledge_dir: Path
    store_dir: Path
    chroma_url: str | None = None  # Chroma's own server instead of the embedded store
    namespace: str = "spendbot-"  # prefix of collection names, for a shared Chroma server
    state_path: Path | None = None  # SQLite file of Slack events and feedback
    database_url: str | None = None  # PostgreSQL (or any SQLAlchemy URL) instead of SQLite
    llm: str | None = None  # a LangChain init_chat_model name, e.g. openai:gpt-4o-mini
    llm_base_url: str | None = None
    llm_timeout: float = 20.0
    slack_bot_token: str | None = None
    slack_signing_secret: str | None = None
    slack_app_token: str | None = None
    slack_api_url: str | None = None
    port: int = 3000

    @classmethod
    def load(cls, knowledge: str | None = None, store: str | None = None,
             chroma_url: str | None = None, environ: Mapping[str, str] | None = None
             ) -> Settings:
        env = os.environ if environ is None else environ
        host = env.get("SPENDBOT_CHROMA_HOST")
        url = chroma_url or env.get("SPENDBOT_CHROMA_URL") or (
            f"http://{host}:{env.get('SPENDBOT_CHROMA_PORT', '8000')}" if host else None)
        knowledge_dir = Path(knowledge or env.get("SPENDBOT_KNOWLEDGE") or BUNDLED_KNOWLEDGE)
        store_dir = Path(store or env.get("SPENDBOT_STORE") or default_store(knowledge_dir))
        return cls(
            knowledge_dir=knowledge_dir,
            store_dir=store_dir,
            chroma_url=url,
            namespace=env.get("SPENDBOT_CHROMA_NAMESPACE", "spendbot-"),
            state_path=Path(env["SPENDBOT_STATE"]) if env.get("SPENDBOT_STATE") else None,
            database_url=env.get("SPENDBOT_DATABASE_URL") or None,
            llm=env.get("SPENDBOT_LLM") or None,
            llm_base_url=env.get("SPENDBOT_LLM_BASE_URL") or None,
            llm_timeout=_number(env, "SPENDBOT_LLM_TIMEOUT", 20.0),
            slack_bot_token=env.get("SLACK_BOT_TOKEN") or None,
            slack_signing_secret=env.get("SLACK_SIGNING_SECRET") or None,
            slack_app_token=env.get("SLACK_APP_TOKEN") or None,
            slack_api_url=env.get("SLACK_API_URL") or None,
            port=int(_number(env, "PORT", 3000)),
        )

    @property
    def state_file(self) -> Path:
        return self.state_path or self.store_dir.parent / "state.sqlite3"

    def check_knowledge(self) -> None:
        if not self.knowledge_dir.is_dir():
            raise UserError(f"knowledge folder not found: {self.knowledge_dir}")

    def described(self) -> list[tuple[str, str]]:
        """(name, value) for every setting, secrets masked: what `spendbot config` prints."""
        rows = []
        for item in fields(self):
            value = getattr(self, item.name)
            if value is None:
                shown = "(not set)"
            elif SECRET.search(item.name) or (item.name == "database_url" and "@" in str(value)):
                shown = _mask(str(value))
            else:
                shown = str(value)
            rows.append((item.name, shown))
        return rows


def _number(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if not raw:
        return default
    try:
        return float(raw)
    except ValueError:
        raise UserError(f"{name} must be a number, not {raw!r}") from None


def _mask(value: str) -> str:
    if "://" in value and "@" in value:  # a database URL: hide the password only
        return re.sub(r"(://[^:/@]+:)[^@]*@", r"\1****@", value)
    return value[:4] + "…" + "*" * 4 if len(value) > 8 else "****"

"""The one configuration model every ChatCluster process reads.

Values come from `CHATCLUSTER_*` environment variables, so the supervisor, the
tests and a Kubernetes Deployment configure services the same way.
"""

from __future__ import annotations

import secrets
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from chatcluster.private_files import private_dir, write_private


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CHATCLUSTER_", extra="ignore")

    data_dir: Path = Field(
        default=Path(".chatcluster"),
        description="Where the local platform keeps the SQLite store, JetStream files and secrets.",
    )
    model_home: Path | None = Field(
        default=None,
        description="Folder holding the sentiment models/ and the training cache/; empty means data_dir.",
    )
    nats_url: str = "nats://127.0.0.1:4222"
    nats_tls_ca: Path | None = Field(
        default=None,
        description="CA certificate to verify NATS with; set, the connection is TLS (the operator sets it).",
    )
    store_url: str = Field(
        default="",
        description="sqlite:///path/to.db; empty means <data_dir>/chat.db.",
    )

    gateway_host: str = "127.0.0.1"
    gateway_port: int = 8000
    worker_id: int = Field(default=1, ge=0, le=1023, description="Snowflake worker id, unique per process.")

    token_secret: str = Field(default="", description="JWT signing key; empty means a key kept in data_dir.")
    access_token_ttl_seconds: int = Field(
        default=900, ge=1, description="Life of an access token; clients renew it with their refresh token."
    )
    session_ttl_seconds: int = Field(
        default=30 * 24 * 3600, ge=60, description="A session ends this long after its last sign-in or refresh."
    )
    password_workers: int = Field(default=2, ge=1, description="Threads hashing and checking passwords (argon2).")
    password_queue: int = Field(
        default=16, ge=0, description="Password checks that may wait for a worker before the gateway answers 503."
    )
    login_username_failures: int = Field(
        default=10, ge=1, description="Failed sign-ins one username may have at once before 429."
    )
    login_username_recovery_seconds: float = Field(
        default=60.0, gt=0, description="Then one more attempt per this many seconds for that username."
    )
    login_address_failures: int = Field(
        default=100, ge=1, description="Failed sign-ins one client address may have at once before 429."
    )
    login_address_recovery_seconds: float = Field(
        default=6.0, gt=0, description="Then one more attempt per this many seconds from that address."
    )

    send_rate_per_second: float = Field(default=20.0, gt=0)
    send_burst: int = Field(default=40, ge=1)
    ws_buffer_messages: int = Field(
        default=256, ge=1, description="Frames a socket may have undelivered before it is closed with 4008."
    )
    ws_buffer_bytes: int = Field(
        default=1 << 20,
        ge=64 * 1024,  # one event frame (a 4,000-character text, escaped) always fits
        description="Bytes a socket may have undelivered (queued or being written) before it is closed with 4008.",
    )
    ws_max_message_bytes: int = Field(
        default=64 * 1024,
        ge=64 * 1024,  # a 4,000-character text of escaped emoji is 48 KB of JSON
        description="Largest WebSocket message a client may send; a larger one closes the socket with 1009.",
    )
    ws_close_timeout_seconds: float = Field(
        default=10.0,
        gt=0,
        description="How long a closing socket waits for the client to read its close frame before it is aborted.",
    )
    room_member_limit: int = Field(default=1000, ge=2)
    presence_ttl_seconds: float = Field(
        default=30.0,
        ge=1.0,
        description="A user whose gateway stops refreshing their presence (it was killed) shows offline this long "
        "after its last refresh; gateways refresh every third of it.",
    )
    read_receipts_max_members: int = Field(
        default=50,
        ge=0,
        description="Rooms of at most this many members show each member how far the others have read (read "
        "receipts); direct messages always do, larger rooms never (a reader's own windows still follow).",
    )
    max_body_bytes: int = Field(
        default=64 * 1024,
        ge=1024,
        description="Largest request body the gateway reads; larger ones get 413 before they are read.",
    )

    dedup_window_seconds: int = Field(
        default=600, ge=1, description="JetStream duplicate window for client_id retries."
    )
    sentiment_model: Literal["builtin", "vader"] = Field(
        default="builtin", description="The scorer's model: the trained one (builtin) or VADER's rules (vader)."
    )
    stream_replicas: int = Field(
        default=1, ge=1, le=5, description="JetStream replicas of every stream: the NATS cluster size (1, 3 or 5)."
    )
    max_deliver: int = Field(default=5, ge=1, description="Deliveries before a message goes to the DLQ.")
    consumer_batch: int = Field(default=256, ge=1)
    recount_grace_seconds: float = Field(
        default=60.0,
        ge=0,
        description="How long an aggregator consumes live before recounting aggregates that wait for a recount: "
        "long enough for an aggregator of the previous version to stop during a rolling upgrade.",
    )
    mood_interval_seconds: float = Field(
        default=3.0,
        gt=0,
        le=60,
        description="A room's live mood (`mood` frames) is pushed only when it changed, and at most once per this "
        "many seconds per room; a change inside the interval goes out when it ends.",
    )

    cluster_name: str = Field(
        default="local", description="The platform's name; the `chatcluster.cluster.name` resource attribute."
    )
    metrics_host: str = Field(
        default="0.0.0.0",  # a scrape target in a pod must answer on the pod's address
        description="Where every service (the gateway too) serves /metrics, apart from the API.",
    )
    metrics_port: int = Field(
        default=9464, ge=0, le=65535, description="Port of /metrics, never the API's; 0 disables it."
    )

    smtp_url: str = Field(
        default="",
        description="Where the notifier sends digest emails: smtp://[user:password@]host:port (smtps:// for TLS, "
        "smtp+starttls:// to upgrade); empty means no digest emails.",
    )
    smtp_from: str = Field(default="ChatCluster <chatcluster@localhost>", description="The From: of digest emails.")
    digest_scan_seconds: float = Field(
        default=30.0, gt=0, description="How often the notifier looks for users owed a digest email."
    )
    digest_minute_seconds: float = Field(
        default=60.0,
        gt=0,
        description="Tests only: how long a minute of `digest_after_minutes` lasts, so a test waits seconds.",
    )
    digest_claim_pause_seconds: float = Field(
        default=0.0,
        ge=0,
        description="Tests only: the notifier waits this long between claiming a digest and sending it, so a test "
        "can kill it there.",
    )

    media_backend: Literal["file", "s3"] = Field(
        default="file",
        description="Where uploads, thumbnails and preview images are kept: the local filesystem (media_dir) or an "
        "S3-compatible object store (media_s3_*).",
    )
    media_dir: Path | None = Field(
        default=None, description="The filesystem BlobStore's folder; empty: <data_dir>/media."
    )
    media_s3_endpoint: str = Field(default="", description="The S3 endpoint URL (empty: AWS's own).")
    media_s3_bucket: str = Field(default="chatcluster-media", description="The S3 bucket, created when missing.")
    media_s3_region: str = "us-east-1"
    media_s3_access_key: str = ""
    media_s3_secret_key: str = Field(default="", repr=False)
    media_max_bytes: int = Field(
        default=100 * 1024 * 1024, ge=1, description="Largest file one upload may be; larger ones get 413."
    )
    media_allowed_types: str = Field(
        default="image/png,image/jpeg,image/gif,image/webp,application/pdf,application/zip,audio/mpeg,audio/ogg,"
        "video/mp4,video/webm,text/plain",
        description="Content types (as sniffed from the bytes) an upload may have, comma-separated; others get 415.",
    )
    media_max_attachments: int = Field(default=10, ge=1, description="Attachments one message may carry.")
    media_thumbnail_pixels: int = Field(default=320, ge=16, description="Longest side of an image's thumbnail.")

    creator_list_max: int = Field(
        default=10_000, ge=1, description="Members one creator's list may hold; more are refused with a 409."
    )
    broadcast_rate_per_minute: float = Field(
        default=6.0, gt=0, description="Broadcasts one creator may send per minute (a burst of as many); else 429."
    )
    billing: str = Field(
        default="ledger",
        description="Where tips are charged: 'ledger' (a local ledger, no money moves) or 'stripe' (the Stripe API).",
    )
    stripe_api_base: str = Field(default="", description="The Stripe API's base URL (empty: Stripe's own).")
    stripe_api_key: str = Field(default="", repr=False, description="The Stripe secret key (billing=stripe).")

    test_clock: bool = Field(
        default=False, description="Lets tests set message timestamps; never enable in production."
    )

    def resolved_model_home(self) -> Path:
        return self.model_home or self.data_dir

    def allowed_media_types(self) -> list[str]:
        return [kind.strip() for kind in self.media_allowed_types.split(",") if kind.strip()]

    def resolved_media_dir(self) -> Path:
        return self.media_dir or self.data_dir / "media"

    def sqlite_path(self) -> Path:
        if self.store_url.startswith("sqlite:///"):
            return Path(self.store_url.removeprefix("sqlite:///"))
        return self.data_dir / "chat.db"

    def resolved_token_secret(self) -> str:
        """The signing key; generated once and kept in data_dir so restarts keep sessions valid."""
        if self.token_secret:
            return self.token_secret
        path = self.data_dir / "token-secret"
        if not path.exists():
            private_dir(self.data_dir)
            write_private(path, secrets.token_urlsafe(48))
        return path.read_text().strip()


@lru_cache
def get_settings() -> Settings:
    return Settings()

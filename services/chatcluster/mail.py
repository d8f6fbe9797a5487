"""Email out through SMTP: the standard library's smtplib, run in a worker thread.

`CHATCLUSTER_SMTP_URL` names the server: `smtp://host:port` (plain), `smtp+starttls://host:port` (upgraded
with STARTTLS), `smtps://host:port` (TLS from the start), each with optional percent-encoded credentials
(`smtp://user:password@host:port`). A `Mailbox` is one open connection: the notifier opens it before it
claims a digest, so a server that does not answer costs no digest.
"""

from __future__ import annotations

import asyncio
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from urllib.parse import unquote, urlparse

from chatcluster.errors import Unavailable

SMTP_TIMEOUT_SECONDS = 10.0
_DEFAULT_PORTS = {"smtp": 25, "smtp+starttls": 587, "smtps": 465}


class MailUnavailable(Unavailable):
    """The SMTP server did not answer or refused the connection."""


@dataclass(frozen=True)
class SmtpServer:
    scheme: str
    host: str
    port: int
    username: str | None
    password: str | None

    @classmethod
    def parse(cls, url: str) -> SmtpServer:
        parsed = urlparse(url)
        if parsed.scheme not in _DEFAULT_PORTS or not parsed.hostname:
            raise ValueError(f"not an SMTP url (smtp://, smtp+starttls:// or smtps://host:port): {url!r}")
        return cls(
            scheme=parsed.scheme,
            host=parsed.hostname,
            port=parsed.port or _DEFAULT_PORTS[parsed.scheme],
            username=unquote(parsed.username) if parsed.username else None,
            password=unquote(parsed.password) if parsed.password else None,
        )

    def describe(self) -> str:
        """Where mail goes, without the credentials (for the log)."""
        return f"{self.scheme}://{self.host}:{self.port}"


def compose(sender: str, to: str, subject: str, body: str, domain: str = "chatcluster") -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=domain)
    message.set_content(body)
    return message


class Mailbox:
    """One open SMTP connection; `send` hands a message to the server, in a worker thread."""

    def __init__(self, smtp: smtplib.SMTP) -> None:
        self._smtp = smtp

    async def send(self, message: EmailMessage) -> None:
        try:
            await asyncio.to_thread(self._smtp.send_message, message)
        except (OSError, smtplib.SMTPException) as exc:
            raise MailUnavailable(f"sending mail failed: {exc!r}") from exc

    async def close(self) -> None:
        try:
            await asyncio.to_thread(self._smtp.quit)
        except (OSError, smtplib.SMTPException):
            self._smtp.close()


class Mailer:
    def __init__(self, server: SmtpServer, sender: str) -> None:
        self.server = server
        self.sender = sender

    def _connect(self) -> smtplib.SMTP:
        server = self.server
        smtp: smtplib.SMTP
        if server.scheme == "smtps":
            smtp = smtplib.SMTP_SSL(
                server.host, server.port, timeout=SMTP_TIMEOUT_SECONDS, context=ssl.create_default_context()
            )
        else:
            smtp = smtplib.SMTP(server.host, server.port, timeout=SMTP_TIMEOUT_SECONDS)
        try:
            if server.scheme == "smtp+starttls":
                smtp.starttls(context=ssl.create_default_context())
            if server.username:
                smtp.login(server.username, server.password or "")
        except BaseException:
            smtp.close()
            raise
        return smtp

    async def open(self) -> Mailbox:
        try:
            return Mailbox(await asyncio.to_thread(self._connect))
        except (OSError, smtplib.SMTPException) as exc:
            raise MailUnavailable(f"cannot reach the SMTP server {self.server.describe()}: {exc!r}") from exc

    def compose(self, to: str, subject: str, body: str) -> EmailMessage:
        return compose(self.sender, to, subject, body)

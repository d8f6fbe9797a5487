"""`chatcluster creator grant|revoke USERNAME`: the creator flag, set in the store of this process's settings (the
platform admin's other way is `PUT /v1/creators/{username}`)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from chatcluster.config import get_settings

console = Console()
creator_app = typer.Typer(help="The creator flag: creators keep lists of members, broadcast to them and take tips.")
DataDirOption = Annotated[
    Path, typer.Option(envvar="CHATCLUSTER_DATA_DIR", help="The platform's data folder (its SQLite store)")
]


def _set_creator(username: str, creator: bool, data_dir: Path) -> None:
    from chatcluster.store import open_store

    async def go() -> bool:
        store = await open_store(get_settings().model_copy(update={"data_dir": data_dir}))
        try:
            user = await store.get_user_by_name(username)
            if user is None or user.deleted:
                return False
            await store.set_creator(user.user_id, creator)
            return True
        finally:
            await store.close()

    if not asyncio.run(go()):
        console.print(f"[red]error:[/] there is no account named '{escape(username)}'")
        raise typer.Exit(1)
    console.print(f"{escape(username)} is {'now' if creator else 'no longer'} a creator")


@creator_app.command("grant")
def creator_grant(username: str, data_dir: DataDirOption = Path(".chatcluster")) -> None:
    """Make USERNAME a creator."""
    _set_creator(username, True, data_dir)


@creator_app.command("revoke")
def creator_revoke(username: str, data_dir: DataDirOption = Path(".chatcluster")) -> None:
    """Take the creator flag from USERNAME (their lists stay, unusable until it is granted again)."""
    _set_creator(username, False, data_dir)

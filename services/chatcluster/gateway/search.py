"""Message search: the words of the caller's rooms, newest first, with where each matched word stands.

Only rooms the caller is a member of are ever searched (all of them, or the one named), so a private room's
words reach its members alone; messages of users the caller blocked are left out, as everywhere they read.
Words are what `counting.words_of` keeps (stop words, numbers, URLs and mentions are not indexed), and the
highlights come from the same tokenizer (`counting.word_spans`), so what is marked is what was matched.
"""

from __future__ import annotations

from chatcluster.counting import word_spans, words_of
from chatcluster.gateway.context import Gateway
from chatcluster.gateway.errors import ApiError, not_found
from chatcluster.gateway.messages import messages_out, require_member
from chatcluster.gateway.people import hidden_authors
from chatcluster.gateway.schemas import SearchHit, SearchPage
from chatcluster.gateway.security import Identity

NO_WORDS = (
    "q: give at least one word to search for; very common words (the, and, ...), numbers, links and @mentions "
    "are not searchable"
)


def highlights(text: str, query: str) -> list[tuple[int, int]]:
    """The [start, end) character offsets in `text` of every word of it that `query` searched for."""
    terms = set(words_of(query))
    return [(start, end) for start, end, word in word_spans(text) if word in terms]


async def search(
    gw: Gateway,
    user: Identity,
    query: str,
    *,
    room_id: str | None,
    from_user: str | None,
    before: int | None,
    after: int | None,
    limit: int,
) -> SearchPage:
    if not words_of(query):
        raise ApiError(422, NO_WORDS)
    if room_id is not None:
        await require_member(gw, room_id, user)  # a private room answers a non-member 404, as everywhere
        rooms = [room_id]
    else:
        rooms = [room.room_id for room in await gw.store.rooms_of(user.user_id)]
    author_id: int | None = None
    if from_user is not None:
        author = await gw.store.get_user_by_name(from_user)
        if author is None:
            raise not_found(f"user '{from_user}'")
        author_id = author.user_id
    hidden = await hidden_authors(gw, user.user_id)
    if author_id in hidden:
        return SearchPage(results=[], before=None)
    found = await gw.store.search(
        rooms, query, author_id=author_id, not_by=hidden, before=before, after=after, limit=limit
    )
    results = [
        SearchHit(message=out, highlights=highlights(out.text, query)) for out in await messages_out(gw, found, hidden)
    ]
    return SearchPage(results=results, before=found[-1].message_id if len(found) == limit else None)

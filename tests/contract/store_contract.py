"""The behaviour every store back end must show, whatever it is built on: one contract per role.

A back end's test module subclasses `StoreContract` and supplies a `store`
fixture: an opened, empty store, closed after the test. Every case of every
role contract then runs against it unchanged, e.g.

    class TestSqliteStore(StoreContract):
        @pytest.fixture
        async def store(self, tmp_path): ...

Nothing here relies on one back end's internals, only on the role protocols of
`chatcluster.store.base`. A new store method gets its cases in its role's
contract (`accounts`, `rooms`, `messages`, `history` and `search`, `sentiments`,
`aggregates`, `read_markers`); a new role gets a contract of its own, added to `StoreContract`.
"""

from __future__ import annotations

from chatcluster.store.base import Lifecycle
from tests.contract.accounts import AccountsContract
from tests.contract.aggregates import AggregatesContract
from tests.contract.creators import BroadcastsContract, CreatorListsContract
from tests.contract.history import HistoryContract
from tests.contract.media import MediaContract
from tests.contract.messages import MessagesContract
from tests.contract.notifications import DigestsContract, NotificationsContract, UserSettingsContract
from tests.contract.people import BlocksContract, ContactsContract
from tests.contract.pins import PinsContract
from tests.contract.quizzes import QuizzesContract
from tests.contract.reactions import ReactionsContract
from tests.contract.read_markers import ReadMarkersContract
from tests.contract.rooms import RoomsContract
from tests.contract.search import SearchContract
from tests.contract.sentiments import SentimentsContract


class StoreContract(
    AccountsContract,
    RoomsContract,
    MessagesContract,
    HistoryContract,
    SearchContract,
    SentimentsContract,
    AggregatesContract,
    ReadMarkersContract,
    NotificationsContract,
    UserSettingsContract,
    DigestsContract,
    ReactionsContract,
    PinsContract,
    BlocksContract,
    ContactsContract,
    QuizzesContract,
    MediaContract,
    CreatorListsContract,
    BroadcastsContract,
):
    """Every role's contract; subclasses provide the `store` fixture."""

    async def test_an_open_store_answers_a_ping(self, store: Lifecycle) -> None:
        assert await store.ping() is None

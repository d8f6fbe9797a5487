"""A query of the Infinity data source (yesoreyeram-infinity-datasource), which grafana-foundation-sdk lacks.

The model follows the plugin's own query struct (pkg/models/query.go upstream):
`type: json`, `source: url`, `parser: backend`, a `url` relative to the
data source's base URL (here: a ChatCluster gateway), `url_options.params`, a
`root_selector` naming the array to read and typed `columns`.
"""

from __future__ import annotations

import typing
from dataclasses import dataclass, field

from grafana_foundation_sdk.cog import builder as cogbuilder
from grafana_foundation_sdk.cog import variants as cogvariants

PLUGIN_ID = "yesoreyeram-infinity-datasource"

ColumnType = typing.Literal["string", "number", "timestamp"]
Format = typing.Literal["table", "timeseries"]


@dataclass(frozen=True)
class Column:
    selector: str
    text: str
    type: ColumnType = "string"

    def to_json(self) -> dict[str, object]:
        return {"selector": self.selector, "text": self.text, "type": self.type}


@dataclass
class InfinityQuery(cogvariants.Dataquery):
    ref_id: str = "A"
    url: str = ""
    params: dict[str, str] = field(default_factory=dict)
    root_selector: str = ""
    columns: list[Column] = field(default_factory=list)
    format: Format = "table"

    def to_json(self) -> dict[str, object]:
        return {
            "refId": self.ref_id,
            "type": "json",
            "source": "url",
            "parser": "backend",
            "format": self.format,
            "url": self.url,
            "url_options": {
                "method": "GET",
                "params": [{"key": key, "value": value} for key, value in self.params.items()],
                "headers": [],
            },
            "root_selector": self.root_selector,
            "columns": [column.to_json() for column in self.columns],
            "filters": [],
        }


class Infinity(cogbuilder.Builder[InfinityQuery]):
    """Builder in the SDK's style: `Infinity("/v1/stats/top/rooms").param("window", "day").column(...)`."""

    def __init__(self, url: str) -> None:
        self._internal = InfinityQuery(url=url)

    def build(self) -> InfinityQuery:
        return self._internal

    def ref_id(self, ref_id: str) -> typing.Self:
        self._internal.ref_id = ref_id
        return self

    def param(self, key: str, value: str) -> typing.Self:
        self._internal.params[key] = value
        return self

    def root_selector(self, selector: str) -> typing.Self:
        self._internal.root_selector = selector
        return self

    def column(self, selector: str, text: str, type_: ColumnType = "string") -> typing.Self:
        self._internal.columns.append(Column(selector, text, type_))
        return self

    def format(self, format_: Format) -> typing.Self:
        self._internal.format = format_
        return self


def variable_query(query: InfinityQuery) -> dict[str, object]:
    """The shape the plugin's variable editor stores: the real query under `infinityQuery`."""
    return {"queryType": "infinity", "query": "", "infinityQuery": query.to_json()}

"""Generates the ChatCluster Grafana dashboards and Prometheus rules; the JSON and YAML are committed.

    .venv/bin/python observability/dashboards/generate.py           # rewrite the files
    .venv/bin/python observability/dashboards/generate.py --check   # exit 1 if a file differs

Writes observability/dashboards/{platform-overview,sentiment,chat-activity}.json
and observability/prometheus/alerts.yaml. Never edit those by hand: the unit
test tests/unit/test_dashboards.py regenerates them and compares.

Prometheus panels query the services' OpenTelemetry metrics (names in
observability/catalogue.py). Per-room, per-user and per-day figures are not
Prometheus metrics (room and user ids are unbounded label values); those panels
read the platform's own stats API through the Infinity data source.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

if __package__ in (None, ""):  # run as a file: make the `observability` package importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from grafana_foundation_sdk.builders import dashboard
from grafana_foundation_sdk.cog.encoder import JSONEncoder
from grafana_foundation_sdk.models.dashboard import (
    DashboardCursorSync,
    DashboardLinkType,
    VariableRefresh,
)

from observability import catalogue as m
from observability.dashboards import infinity, kit
from observability.dashboards.kit import prom, stats
from observability.dashboards.promql import count_rate, eq, increase, quantile, rate, sel, sum_rate
from observability.prometheus import rules

HERE = Path(__file__).resolve().parent
OBSERVABILITY = HERE.parent

SENTIMENT_NAMES = {"1": "positive (+1)", "0": "neutral (0)", "-1": "negative (-1)"}
SENTIMENT_COLORS = {"1": "green", "0": "blue", "-1": "red"}
FROM_DAY = "${__from:date:YYYY-MM-DD}"
TO_DAY = "${__to:date:YYYY-MM-DD}"
FROM_ISO = "${__from:date:iso}"
TO_ISO = "${__to:date:iso}"


def _base(uid: str, title: str, description: str, time_from: str) -> dashboard.Dashboard:
    return (
        dashboard.Dashboard(title)
        .uid(uid)
        .description(description)
        .tags(["chatcluster"])
        .editable()
        .timezone("browser")
        .time(time_from, "now")
        .refresh("30s")
        .tooltip(DashboardCursorSync.CROSSHAIR)
        .link(
            dashboard.DashboardLink("ChatCluster")
            .type(DashboardLinkType.DASHBOARDS)
            .tags(["chatcluster"])
            .as_dropdown(True)
            .include_vars(True)
            .keep_time(True)
        )
    )


def platform_overview() -> dashboard.Dashboard:
    board = _base(
        "chatcluster-platform",
        "ChatCluster platform overview",
        "Traffic, latency, errors and consumer lag of one ChatCluster (gateway, persister, scorer, aggregator, "
        "notifier).",
        "now-1h",
    )
    for variable in kit.prometheus_variables():
        board.with_variable(variable)
    consumer = (m.CONSUMER_GROUP,)

    board.with_row(dashboard.Row("Traffic"))
    board.with_panel(
        kit.series(
            "Messages through the pipeline",
            "Per second: accepted by the gateway, published to JetStream, stored by the persister, scored, "
            "and counted by the aggregator. In steady state the lines overlap; a gap that stays open is lag.",
            prom(sum_rate(m.MESSAGES_ACCEPTED), "accepted"),
            prom(sum_rate(m.MESSAGES_PUBLISHED, eq(m.OUTCOME, "ok")), "published"),
            prom(sum_rate(m.MESSAGES_PERSISTED), "persisted"),
            prom(sum_rate(m.MESSAGES_SCORED), "scored"),
            prom(sum_rate(m.MESSAGES_AGGREGATED), "aggregated"),
            unit=kit.MESSAGES_PER_SECOND,
        )
    )
    board.with_panel(
        kit.series(
            "HTTP requests by route",
            "Gateway requests per second, by route template (FastAPI instrumentation).",
            prom(
                count_rate(m.HTTP_SERVER_DURATION, by_=(m.HTTP_ROUTE, m.HTTP_METHOD)),
                "{{http_request_method}} {{http_route}}",
            ),
            unit="reqps",
        )
    )
    board.with_panel(
        kit.single(
            "Open WebSocket connections",
            "Live clients connected to the gateways right now.",
            prom(f"sum({sel(m.WEBSOCKET_CONNECTIONS)})", "connections"),
        )
    )
    board.with_panel(
        kit.single(
            "Messages accepted",
            "Messages the gateways accepted per second (mean over the rate window).",
            prom(sum_rate(m.MESSAGES_ACCEPTED), "accepted"),
            unit=kit.MESSAGES_PER_SECOND,
        )
    )
    board.with_panel(
        kit.single(
            "HTTP requests",
            "Gateway requests per second, all routes.",
            prom(count_rate(m.HTTP_SERVER_DURATION), "requests"),
            unit="reqps",
        )
    )
    board.with_panel(
        kit.single(
            "Dead-letter queue",
            "Messages held in CHAT_DLQ. Anything above zero needs a look (runbook: ChatClusterDeadLettersPresent).",
            prom(f"max({sel(m.DLQ_MESSAGES)})", "dead letters"),
        )
    )

    board.with_row(dashboard.Row("Latency"))
    board.with_panel(
        kit.series(
            "HTTP latency",
            "Gateway request duration quantiles over all routes (a send includes the JetStream PubAck).",
            prom(quantile(0.5, m.HTTP_SERVER_DURATION), "p50"),
            prom(quantile(0.95, m.HTTP_SERVER_DURATION), "p95"),
            prom(quantile(0.99, m.HTTP_SERVER_DURATION), "p99"),
            unit="s",
        )
    )
    board.with_panel(
        kit.series(
            "HTTP p95 latency by route",
            "95th percentile gateway request duration per route template.",
            prom(quantile(0.95, m.HTTP_SERVER_DURATION, by_=(m.HTTP_ROUTE,)), "{{http_route}}"),
            unit="s",
        )
    )
    board.with_panel(
        kit.series(
            "NATS operation p95 latency",
            "95th percentile of NATS client operations: send (publish until PubAck), receive (fetch) and "
            "settle (ack), per operation.",
            prom(
                quantile(0.95, m.NATS_CLIENT_DURATION, eq(m.MESSAGING_SYSTEM, "nats"), by_=(m.MESSAGING_OPERATION,)),
                "{{messaging_operation_name}}",
            ),
            unit="s",
        )
    )
    board.with_panel(
        kit.series(
            "Batch processing p95 latency by consumer",
            "95th percentile time a consumer spends handling one batch of deliveries.",
            prom(quantile(0.95, m.PROCESS_DURATION, by_=consumer), "{{messaging_consumer_group_name}}"),
            unit="s",
        )
    )

    board.with_row(dashboard.Row("Errors"))
    server_all = rate(m.HTTP_SERVER_DURATION + "_count")
    server_5xx = rate(m.HTTP_SERVER_DURATION + "_count", f'{m.HTTP_STATUS}=~"5.."')
    publish_errors = rate(m.MESSAGES_PUBLISHED, eq(m.OUTCOME, "error"))
    board.with_panel(
        kit.series(
            "HTTP responses by status",
            "Gateway responses per second by status code: 4xx are client mistakes, 5xx are ours.",
            prom(count_rate(m.HTTP_SERVER_DURATION, by_=(m.HTTP_STATUS,)), "{{http_response_status_code}}"),
            unit="reqps",
            stacked=True,
        )
    )
    board.with_panel(
        kit.single(
            "Gateway 5xx ratio",
            "Share of gateway responses that were 5xx over the rate window.",
            # `or vector(0)`: no 5xx series yet means 0; the denominator still fails on a wrong metric name.
            prom(f"(sum({server_5xx}) or vector(0)) / sum({server_all})", "5xx"),
            unit="percentunit",
        )
    )
    board.with_panel(
        kit.single(
            "Publish errors",
            "JetStream publishes per second that failed (the client got a 503 and retries).",
            prom(f"sum({publish_errors}) or (0 * sum({rate(m.MESSAGES_PUBLISHED)}))", "errors"),
            unit="ops",
        )
    )
    board.with_panel(
        kit.series(
            "Publish outcomes",
            "JetStream publishes per second by outcome.",
            prom(sum_rate(m.MESSAGES_PUBLISHED, by_=(m.OUTCOME,)), "{{outcome}}"),
            unit="ops",
            stacked=True,
            width=8,
        )
    )
    board.with_panel(
        kit.series(
            "NATS operations by outcome",
            "NATS client operations per second; a non-empty error type is a failed operation.",
            prom(
                count_rate(m.NATS_CLIENT_DURATION, by_=(m.MESSAGING_OPERATION, m.ERROR_TYPE)),
                "{{messaging_operation_name}} {{error_type}}",
            ),
            unit="ops",
            width=8,
        )
    )
    board.with_panel(
        kit.series(
            "Dead letters and dropped clients",
            "Messages sent to CHAT_DLQ per second by consumer, and WebSocket clients closed for reading too "
            "slowly (close code 4008).",
            prom(
                sum_rate(m.MESSAGES_DEAD_LETTERED, by_=(m.CONSUMER_GROUP,)),
                "dead-lettered by {{messaging_consumer_group_name}}",
            ),
            prom(sum_rate(m.WEBSOCKET_DROPPED), "slow clients dropped"),
            unit="ops",
            width=8,
        )
    )

    board.with_row(dashboard.Row("Consumer lag"))
    board.with_panel(
        kit.series(
            "Pending messages by consumer",
            "Messages in the stream not yet delivered to each durable consumer. Growing means the consumer "
            "falls behind (runbook: ChatClusterConsumerLagGrowing).",
            prom(f"max by ({m.CONSUMER_GROUP}) ({sel(m.CONSUMER_PENDING)})", "{{messaging_consumer_group_name}}"),
            width=8,
        )
    )
    board.with_panel(
        kit.series(
            "Unacknowledged messages by consumer",
            "Messages delivered to each durable and not yet acknowledged (in hand, or awaiting redelivery).",
            prom(f"max by ({m.CONSUMER_GROUP}) ({sel(m.CONSUMER_ACK_PENDING)})", "{{messaging_consumer_group_name}}"),
            width=8,
        )
    )
    board.with_panel(
        kit.series(
            "Dead-letter queue size",
            "Messages held in the CHAT_DLQ stream (kept 30 days).",
            prom(f"max({sel(m.DLQ_MESSAGES)})", "CHAT_DLQ"),
            width=8,
        )
    )

    board.with_row(dashboard.Row("Notifications"))
    board.with_panel(
        kit.series(
            "Notifications and digest emails",
            "Per second: notifications the notifier made (mentions, direct messages, replies), and digest emails "
            "by outcome. An error is a digest claimed and then lost to the mail server: never sent twice.",
            prom(sum_rate(m.NOTIFICATIONS_CREATED), "notifications"),
            prom(sum_rate(m.DIGESTS_SENT, by_=(m.OUTCOME,)), "digests {{outcome}}"),
            unit="ops",
            width=16,
        )
    )
    board.with_panel(
        kit.single(
            "Notifier lag",
            "Message events the notifier has not taken yet: how late notifications and live frames are.",
            prom(f"max({sel(m.CONSUMER_PENDING, eq(m.CONSUMER_GROUP, 'notifier'))})", "pending"),
            width=8,
        )
    )
    return board


def sentiment() -> dashboard.Dashboard:
    board = _base(
        "chatcluster-sentiment",
        "ChatCluster sentiment",
        "Sentiment of chat messages: live scoring rates and distribution (Prometheus), and sentiment per "
        "room over time (the platform's stats API through the Infinity data source).",
        "now-6h",
    )
    for variable in kit.prometheus_variables():
        board.with_variable(variable)
    board.with_variable(kit.stats_variable())
    board.with_variable(kit.choice("step", "Step", ("minute", "hour", "day"), "minute"))
    board.with_variable(
        dashboard.QueryVariable("room")
        .label("Room")
        .datasource(kit.STATS)
        .query(
            infinity_variable(
                stats("/v1/rooms/directory").param("limit", "20").column("name", "__text").column("room_id", "__value")
            )
        )
        .refresh(VariableRefresh.ON_DASHBOARD_LOAD)
        .multi(True)
        .include_all(True)
    )

    board.with_row(dashboard.Row("Scoring (Prometheus)"))
    board.with_panel(
        kit.rename(
            kit.series(
                "Messages scored per second by sentiment",
                "The scorer's output rate per label: +1 positive, 0 neutral (or unable to score), -1 negative.",
                prom(sum_rate(m.MESSAGES_SCORED, by_=(m.SENTIMENT,)), "{{sentiment}}"),
                unit=kit.MESSAGES_PER_SECOND,
                stacked=True,
                width=12,
            ),
            SENTIMENT_NAMES,
            SENTIMENT_COLORS,
        )
    )
    board.with_panel(
        kit.rename(
            kit.pie(
                "Sentiment distribution",
                "Messages scored in the dashboard's time range, by label.",
                prom(f"sum by ({m.SENTIMENT}) ({increase(m.MESSAGES_SCORED)})", "{{sentiment}}", instant=True),
                width=6,
            ),
            SENTIMENT_NAMES,
            SENTIMENT_COLORS,
        )
    )
    scored = f"sum({increase(m.MESSAGES_SCORED)})"
    positive = f"(sum({increase(m.MESSAGES_SCORED, eq(m.SENTIMENT, '1'))}) or vector(0))"
    negative = f"(sum({increase(m.MESSAGES_SCORED, eq(m.SENTIMENT, '-1'))}) or vector(0))"
    board.with_panel(
        kit.single(
            "Mean sentiment",
            "(positive - negative) / scored over the dashboard's time range, in [-1, 1].",
            prom(f"({positive} - {negative}) / {scored}", "mean", instant=True),
            unit="none",
            width=6,
        )
    )
    board.with_panel(
        kit.series(
            "Scoring backlog",
            "Messages waiting for the scorer: how far behind the live sentiment is.",
            prom(f"max({sel(m.CONSUMER_PENDING, eq(m.CONSUMER_GROUP, 'scorer'))})", "scorer pending"),
            width=12,
        )
    )
    board.with_panel(
        kit.series(
            "Scoring latency p95",
            "95th percentile time the scorer spends on one batch (model inference, store write, publish).",
            prom(quantile(0.95, m.PROCESS_DURATION, eq(m.CONSUMER_GROUP, "scorer")), "p95"),
            unit="s",
            width=12,
        )
    )

    board.with_row(dashboard.Row("Per room (stats API)"))
    board.with_panel(
        kit.series(
            "Mean sentiment, all rooms",
            "Mean label per step over every room, from /v1/stats/sentiment.",
            sentiment_query(None).column("mean", "mean", "number"),
            unit="none",
            width=24,
        )
    )
    board.with_panel(
        kit.series(
            "Sentiment in $room",
            "Messages per step by label in one room (repeated for every selected room), from /v1/stats/sentiment.",
            sentiment_query("$room")
            .column("positive", "positive", "number")
            .column("neutral", "neutral", "number")
            .column("negative", "negative", "number"),
            stacked=True,
            bars=True,
            width=12,
        )
        .repeat("room")
        .repeat_direction("h")
    )
    return board


def sentiment_query(room: str | None) -> infinity.Infinity:
    query = stats("/v1/stats/sentiment")
    if room:
        query.param("room", room)
    return (
        query.param("from", FROM_ISO)
        .param("to", TO_ISO)
        .param("step", "$step")
        .root_selector("points")
        .format("timeseries")
        .column("start", "time", "timestamp")
    )


def infinity_variable(query: infinity.Infinity) -> dict[str, object]:
    return infinity.variable_query(query.ref_id("variable").build())


def chat_activity() -> dashboard.Dashboard:
    board = _base(
        "chatcluster-chat-activity",
        "ChatCluster chat activity",
        "Who talks where and when: live message rates (Prometheus) and messages by user, by day and the top "
        "rooms, users and words (the platform's stats API through the Infinity data source).",
        "now-7d",
    )
    for variable in kit.prometheus_variables():
        board.with_variable(variable)
    board.with_variable(kit.stats_variable())
    board.with_variable(kit.choice("window", "Top lists over", ("hour", "day", "all"), "day"))

    board.with_row(dashboard.Row("Live (Prometheus)"))
    board.with_panel(
        kit.series(
            "Messages sent per second",
            "Messages the gateways accepted, and the ones the persister stored.",
            prom(sum_rate(m.MESSAGES_ACCEPTED), "sent"),
            prom(sum_rate(m.MESSAGES_PERSISTED), "stored"),
            unit=kit.MESSAGES_PER_SECOND,
            width=12,
        )
    )
    board.with_panel(
        kit.series(
            "Open WebSocket connections",
            "Live clients connected to the gateways.",
            prom(f"sum({sel(m.WEBSOCKET_CONNECTIONS)})", "connections"),
            width=12,
        )
    )

    board.with_row(dashboard.Row("Messages (stats API)"))
    board.with_panel(
        kit.bars(
            "Messages per day",
            "Messages sent per UTC day in the dashboard's time range, from /v1/stats/messages?group_by=date.",
            stats("/v1/stats/messages")
            .param("group_by", "date")
            .param("from", FROM_DAY)
            .param("to", TO_DAY)
            .root_selector("rows")
            .column("day", "day")
            .column("count", "messages", "number"),
            x_field="day",
            width=12,
        )
    )
    board.with_panel(
        kit.bars(
            "Messages by user",
            "Messages per user in the dashboard's time range, from /v1/stats/messages?group_by=user.",
            stats("/v1/stats/messages")
            .param("group_by", "user")
            .param("from", FROM_DAY)
            .param("to", TO_DAY)
            .root_selector("rows")
            .column("username", "user")
            .column("count", "messages", "number"),
            x_field="user",
            width=12,
        )
    )
    board.with_panel(
        kit.grid(
            "Messages by user and day",
            "One row per user and UTC day, from /v1/stats/messages?group_by=user,date.",
            stats("/v1/stats/messages")
            .param("group_by", "user,date")
            .param("from", FROM_DAY)
            .param("to", TO_DAY)
            .root_selector("rows")
            .column("day", "day")
            .column("username", "user")
            .column("count", "messages", "number"),
            width=12,
        )
    )
    board.with_panel(
        kit.series(
            "Messages per second, last minute",
            "One point per second over the last minute, from /v1/stats/rate (independent of the time picker).",
            stats("/v1/stats/rate")
            .root_selector("points")
            .format("timeseries")
            .column("second", "time", "timestamp")
            .column("count", "messages", "number"),
            bars=True,
            width=12,
        ).time_from("1m")  # the API answers the last minute whatever the time picker says
    )

    board.with_row(dashboard.Row("Top lists (stats API)"))
    for kind, title in (("rooms", "Top rooms"), ("users", "Top users"), ("words", "Top words")):
        board.with_panel(
            kit.grid(
                f"{title} ($window)",
                f"The ten busiest {kind} over the last $window, from /v1/stats/top/{kind} "
                "(direct-message rooms are never listed).",
                stats(f"/v1/stats/top/{kind}")
                .param("window", "$window")
                .param("limit", "10")
                .root_selector("entries")
                .column("key", kind[:-1])
                .column("count", "messages", "number"),
                width=8,
                sort_by="messages",
            )
        )
    return board


DASHBOARDS = {
    "platform-overview": platform_overview,
    "sentiment": sentiment,
    "chat-activity": chat_activity,
}


def render(board: dashboard.Dashboard) -> str:
    """The dashboard JSON as committed: panels numbered in order, stable key order, trailing newline."""
    model = json.loads(json.dumps(board.build(), cls=JSONEncoder))
    for number, panel in enumerate(model["panels"], start=1):
        panel["id"] = number
    for variable in model.get("templating", {}).get("list", []):
        variable.pop("id", None)  # the SDK writes one all-zero UUID for every variable
    return json.dumps(model, indent=2, sort_keys=True) + "\n"


def generated() -> dict[Path, str]:
    """Every generated file and its content, keyed by path."""
    files = {HERE / f"{name}.json": render(build()) for name, build in DASHBOARDS.items()}
    files[OBSERVABILITY / "prometheus" / "alerts.yaml"] = rules.render()
    return files


def main(argv: list[str]) -> int:
    stale = []
    for path, content in generated().items():
        if path.exists() and path.read_text() == content:
            continue
        stale.append(path)
        if "--check" not in argv:
            path.write_text(content)
    verb = "differ" if "--check" in argv else "written"
    for path in stale:
        print(f"{verb}: {path.relative_to(OBSERVABILITY.parent)}")
    return 1 if stale and "--check" in argv else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

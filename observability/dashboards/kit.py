"""The pieces every ChatCluster dashboard shares: data sources, variables and panel shapes."""

from __future__ import annotations

import typing
from collections.abc import Sequence

from grafana_foundation_sdk.builders import barchart, common, dashboard, piechart, prometheus, stat, table, timeseries
from grafana_foundation_sdk.models import common as common_models
from grafana_foundation_sdk.models.dashboard import (
    DataSourceRef,
    DynamicConfigValue,
    VariableOption,
    VariableRefresh,
    VariableSort,
)
from grafana_foundation_sdk.models.piechart import PieChartType

from observability import catalogue as m
from observability.dashboards import infinity

PROMETHEUS = DataSourceRef(type_val="prometheus", uid="${datasource}")
STATS = DataSourceRef(type_val=infinity.PLUGIN_ID, uid="${stats}")
MESSAGES_PER_SECOND = "suffix: msg/s"

Target = prometheus.Dataquery | infinity.Infinity
AnyPanel = timeseries.Panel | stat.Panel | piechart.Panel | barchart.Panel | table.Panel

# --- Variables ------------------------------------------------------------------------------------


def prometheus_variables() -> list[dashboard.DatasourceVariable | dashboard.QueryVariable]:
    """$datasource, then $cluster and $namespace read from the `target_info` series every process exports."""
    return [
        dashboard.DatasourceVariable("datasource").label("Prometheus").type("prometheus"),
        _label_variable("cluster", "Cluster", f"label_values({m.TARGET_INFO}, {m.CLUSTER})"),
        _label_variable(
            "namespace",
            "Namespace",
            f'label_values({m.TARGET_INFO}{{{m.CLUSTER}=~"$cluster"}}, {m.NAMESPACE})',
        ),
    ]


def _label_variable(name: str, label: str, query: str) -> dashboard.QueryVariable:
    # "All" is `.*`, which also matches series without the label (a local platform has no namespace).
    return (
        dashboard.QueryVariable(name)
        .label(label)
        .datasource(PROMETHEUS)
        .query(query)
        .refresh(VariableRefresh.ON_TIME_RANGE_CHANGED)
        .sort(VariableSort.ALPHABETICAL_ASC)
        .multi(True)
        .include_all(True)
        .all_value(".*")
        .current(VariableOption(selected=True, text="All", value="$__all"))
    )


def stats_variable() -> dashboard.DatasourceVariable:
    """$stats: an Infinity data source whose base URL is one cluster's gateway (see observability/README.md)."""
    return dashboard.DatasourceVariable("stats").label("Stats API").type(infinity.PLUGIN_ID)


def choice(name: str, label: str, values: Sequence[str], default: str) -> dashboard.CustomVariable:
    return (
        dashboard.CustomVariable(name)
        .label(label)
        .values(",".join(values))
        .current(VariableOption(selected=True, text=default, value=default))
    )


# --- Targets --------------------------------------------------------------------------------------


def prom(expr: str, legend: str = "", *, instant: bool = False) -> prometheus.Dataquery:
    query = prometheus.Dataquery().expr(expr).legend_format(legend or "__auto")
    return query.instant() if instant else query.range()


def stats(url: str) -> infinity.Infinity:
    return infinity.Infinity(url)


# --- Panels ---------------------------------------------------------------------------------------

P = typing.TypeVar("P", bound=AnyPanel)


def _finish(panel: P, title: str, description: str, targets: Sequence[Target], width: int, height: int) -> P:
    datasource = STATS if isinstance(targets[0], infinity.Infinity) else PROMETHEUS
    panel.title(title).description(description).datasource(datasource).span(width).height(height)
    for index, target in enumerate(targets):
        panel.with_target(target.ref_id(chr(ord("A") + index)))
    return panel


def _legend() -> common.VizLegendOptions:
    return (
        common.VizLegendOptions()
        .display_mode(common_models.LegendDisplayMode.LIST)
        .placement(common_models.LegendPlacement.BOTTOM)
        .show_legend(True)
    )


def _tooltip() -> common.VizTooltipOptions:
    return (
        common.VizTooltipOptions().mode(common_models.TooltipDisplayMode.MULTI).sort(common_models.SortOrder.DESCENDING)
    )


def series(
    title: str,
    description: str,
    *targets: Target,
    unit: str = "short",
    stacked: bool = False,
    bars: bool = False,
    width: int = 12,
    height: int = 8,
) -> timeseries.Panel:
    panel = (
        timeseries.Panel()
        .unit(unit)
        .legend(_legend())
        .tooltip(_tooltip())
        .fill_opacity(30 if stacked or bars else 10)
        .draw_style(common_models.GraphDrawStyle.BARS if bars else common_models.GraphDrawStyle.LINE)
        .stacking(
            common.StackingConfig().mode(
                common_models.StackingMode.NORMAL if stacked else common_models.StackingMode.NONE
            )
        )
    )
    return _finish(panel, title, description, targets, width, height)


def single(title: str, description: str, target: Target, *, unit: str = "short", width: int = 6) -> stat.Panel:
    panel = (
        stat.Panel()
        .unit(unit)
        .graph_mode(common_models.BigValueGraphMode.AREA)
        .color_mode(common_models.BigValueColorMode.VALUE)
        .reduce_options(common.ReduceDataOptions().calcs(["lastNotNull"]).values(False))
    )
    return _finish(panel, title, description, [target], width, 5)


def pie(title: str, description: str, target: Target, *, width: int = 8) -> piechart.Panel:
    panel = (
        piechart.Panel()
        .pie_type(PieChartType.DONUT)
        .reduce_options(common.ReduceDataOptions().calcs(["lastNotNull"]).values(False))
        .legend(piechart.PieChartLegendOptions().show_legend(True).placement(common_models.LegendPlacement.RIGHT))
    )
    return _finish(panel, title, description, [target], width, 8)


def bars(title: str, description: str, target: Target, *, x_field: str, width: int = 12) -> barchart.Panel:
    panel = (
        barchart.Panel()
        .x_field(x_field)
        .orientation(common_models.VizOrientation.AUTO)
        .show_value(common_models.VisibilityMode.AUTO)
        .legend(_legend())
    )
    return _finish(panel, title, description, [target], width, 8)


def grid(title: str, description: str, target: Target, *, width: int = 8, sort_by: str = "") -> table.Panel:
    panel = table.Panel().show_header(True)
    if sort_by:  # biggest first
        panel.sort_by([common.TableSortByFieldState().display_name(sort_by).desc(True)])
    return _finish(panel, title, description, [target], width, 8)


def rename(panel: P, names: dict[str, str], colors: dict[str, str] | None = None) -> P:
    """Display names (and fixed colours) for series named by a label value, e.g. sentiment "1" → positive."""
    for name, display in names.items():
        properties = [DynamicConfigValue(id_val="displayName", value=display)]
        if colors and name in colors:
            properties.append(DynamicConfigValue(id_val="color", value={"mode": "fixed", "fixedColor": colors[name]}))
        panel.override_by_name(name, properties)
    return panel

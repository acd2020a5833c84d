"""The run detail screen: one run's configuration, stages, failures and snapshots.

The compact :class:`Run` from the store is shown at once; the heavy parts
(stage configurations, requests, metrics snapshots) come from the document
read again by the app's detail worker, with a loading indicator meanwhile.
"""

from __future__ import annotations

from collections import Counter
from typing import ClassVar

from rich import box
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static

from exo_benchtui.core.errors import BenchTuiError
from exo_benchtui.core.model import MetricSeries, Run, RunDetail
from exo_benchtui.core.series import series_label
from exo_benchtui.core.text import counted, printable
from exo_benchtui.core.views import ChartLine, format_number, format_time
from exo_benchtui.ui.widgets.charts import TrendChart
from exo_benchtui.ui.widgets.glyphs import for_terminal

_GIB = 1024**3


def _p(value: object) -> str:
    """A document value as one printable line; ``-`` for nothing."""
    if value is None or value == "":
        return "-"
    return printable(str(value), one_line=True)


PEER_ID_PREFIXES = ("12D3KooW", "Qm")
"""How libp2p peer ids (Ed25519 and RSA) begin; the nodes are named by them."""


def is_peer_id(name: str) -> bool:
    return len(name) >= 40 and name.startswith(PEER_ID_PREFIXES) and name.isalnum()


def short_names(names: list[str], tail: int = 6) -> dict[str, str]:
    """A readable legend name per series name: ``node …QzidXB`` for a peer id.

    A peer id is 52 characters that all begin alike; its last ``tail``
    characters name it, with more of them where two would read the same.
    Other names stay as they are.
    """
    peers = sorted({name for name in names if is_peer_id(name)})
    shown = {name: name for name in names}
    cells = tail
    while peers:
        ends = [peer[-cells:] for peer in peers]
        if len(set(ends)) == len(ends) or cells >= max(map(len, peers)):
            break
        cells += 2
    for peer in peers:
        shown[peer] = f"node …{peer[-cells:]}"
    return shown


def _lines(series: tuple[MetricSeries, ...], scale: float = 1.0) -> list[ChartLine]:
    names = short_names([item.name for item in series])
    return [
        ChartLine(
            series_id=item.name,
            label=printable(names[item.name], one_line=True),
            x=tuple(t for t, _ in item.points),
            y=tuple(v / scale for _, v in item.points),
        )
        for item in series
    ]


class DetailScreen(Screen):
    """Everything about one run; Escape goes back to the main screen."""

    BINDINGS: ClassVar = [Binding("escape", "app.pop_screen", "Back")]

    def __init__(self, run: Run) -> None:
        super().__init__()
        self.run = run
        """The run shown; its key names the document read again."""
        self.detail: RunDetail | None = None

    def compose(self) -> ComposeResult:
        marker = self.app.console_profile.chart_marker
        with VerticalScroll(id="detail-scroll"):
            yield Static(self._summary(), id="detail-summary")
            yield Static(self._stages(None), id="detail-stages")
            yield TrendChart(
                marker=marker, id="detail-failures", classes="detail-chart"
            )
            loading = self.app.get_loading_widget()
            loading.id = "detail-loading"
            yield loading
            yield Static(id="detail-message")
            with Grid(id="detail-snapshots"):
                yield TrendChart(marker=marker, id="snap-nodes", classes="detail-chart")
                yield TrendChart(
                    marker=marker, id="snap-instances", classes="detail-chart"
                )
                yield TrendChart(
                    marker=marker, id="snap-cluster", classes="detail-chart"
                )
                yield TrendChart(
                    marker=marker, id="snap-memory", classes="detail-chart"
                )
        yield Footer()

    def on_mount(self) -> None:
        self.set_class(self.app.size.width < 120, "-compact")
        self.query_one("#detail-snapshots").display = False
        self.query_one("#detail-message").display = False
        reasons: Counter[str] = Counter()
        for stage in self.run.stages:
            for message, count in stage.failure_reasons:
                reasons[message] += count
        ordered = reasons.most_common()
        self.query_one("#detail-failures", TrendChart).show_horizontal(
            "Failure reasons (requests)",
            [message for message, _ in ordered],
            [count for _, count in ordered],
        )

    # -- filled by the app's detail worker -------------------------------------

    @property
    def loading_shown(self) -> bool:
        """True while the document is being read again."""
        return self.query_one("#detail-loading").display

    def show_detail(self, detail: RunDetail) -> None:
        self.detail = detail
        self.query_one("#detail-loading").display = False
        self.query_one("#detail-stages", Static).update(self._stages(detail))
        has_snapshots = bool(
            detail.node_running
            or detail.instance_running
            or detail.cluster_pending
            or detail.cluster_running
            or detail.node_memory_used_bytes
        )
        message = self.query_one("#detail-message", Static)
        if detail.problems:
            problems = counted(len(detail.problems), "problem")
            words = Text(f"{problems} in this document:\n")
            for problem in detail.problems[:10]:
                line = (
                    f"  {printable(problem.path, one_line=True)}: "
                    f"{printable(problem.message, one_line=True)}\n"
                )
                words.append(for_terminal(self.app, line))
            message.update(words)
            message.display = True
        elif not has_snapshots:
            message.update(Text("This document has no metrics snapshots."))
            message.display = True
        if not has_snapshots:
            return
        self.query_one("#detail-snapshots").display = True
        self.query_one("#snap-nodes", TrendChart).show_lines(
            "Running tasks per node", _lines(detail.node_running), counts=True
        )
        self.query_one("#snap-instances", TrendChart).show_lines(
            "Running tasks per instance",
            _lines(detail.instance_running),
            counts=True,
        )
        cluster = tuple(
            s for s in (detail.cluster_pending, detail.cluster_running) if s
        )
        self.query_one("#snap-cluster", TrendChart).show_lines(
            "Cluster pending and running tasks", _lines(cluster), counts=True
        )
        self.query_one("#snap-memory", TrendChart).show_lines(
            "Memory used per node (GiB)",
            _lines(detail.node_memory_used_bytes, scale=_GIB),
        )

    def show_error(self, error: BenchTuiError) -> None:
        self.query_one("#detail-loading").display = False
        message = self.query_one("#detail-message", Static)
        words = Text("Could not read this run again: ")
        words.append(for_terminal(self.app, printable(str(error), one_line=True)))
        message.update(words)
        message.display = True

    # -- text parts ------------------------------------------------------

    def _summary(self) -> Table:
        run = self.run
        table = Table.grid(padding=(0, 2))
        table.add_column(style="bold")
        table.add_column()
        duration = (
            f"{format_number(run.duration_s)} s" if run.duration_s is not None else "-"
        )
        fields = [
            ("Run", _p(run.key)),
            ("Completed", f"{format_time(run.completed_at)} UTC"),
            ("Commit", _p(run.git_commit)),
            ("Branch", _p(run.branch)),
            ("Config file", _p(run.config_file)),
            ("Hardware", _p(", ".join(run.hardware))),
            ("Expected nodes", _p(run.expected_nodes)),
            ("Models", _p(", ".join(run.models))),
            ("Strategy", _p(run.strategy)),
            ("Instances", _p(run.instance_count)),
            ("Runners", _p(run.runner_count)),
            ("Duration", duration),
        ]
        for name, value in fields:
            table.add_row(Text(name), Text(for_terminal(self.app, value)))
        return table

    def _stages(self, detail: RunDetail | None) -> Table:
        # SQUARE: single lines, which the Linux console's font has.
        table = Table(title=Text("Stages"), show_lines=False, box=box.SQUARE)
        for heading in (
            "Stage",
            "Config",
            "OK/fail",
            "Succ %",
            "Resp ms",
            "TTFT ms",
            "tok/s",
            "ms/tok",
        ):
            table.add_column(Text(heading), overflow="fold", no_wrap=False)
        configs = {c.name: c for c in detail.configs} if detail else {}
        for stage in self.run.stages:
            config = configs.get(stage.name)
            if config is not None:
                config_text = (
                    f"pp{_p(config.prompt_tokens)} tg{_p(config.generation_tokens)}"
                    f" ×{_p(config.iterations)} @{_p(config.request_interval_s)}s"
                )
            elif detail is None:
                config_text = "loading…"
            else:
                config_text = printable(series_label(stage.series), one_line=True)
            table.add_row(
                Text(for_terminal(self.app, _p(stage.name))),
                Text(for_terminal(self.app, config_text)),
                Text(f"{_p(stage.successful)}/{_p(stage.failed)}"),
                Text(format_number(stage.success_rate_pct)),
                Text(format_number(stage.avg_response_ms)),
                Text(format_number(stage.ttft_ms)),
                Text(format_number(stage.decode_tps)),
                Text(format_number(stage.ms_per_token)),
            )
        return table

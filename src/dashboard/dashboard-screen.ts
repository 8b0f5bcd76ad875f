// The wall itself: a blessed screen with a one-line title over a blessed-contrib grid (12 x
// 12 cells of the space below it), drawn from DashboardFrames.
//
//   title: cluster, SIMULATED, connection, namespace, time
//   +-- CPU used (line) --+-- Memory used (line) --+ Nodes +
//   +- Pods per node (bar) -+------ Rollouts (table) ------+
//   +---------------------- Events (log) ------------------+
//
// blessed and blessed-contrib are loaded here with import() (never a static import): the CLI
// bundle leaves them out, so no other command loads them, and blessed reads its terminfo
// fallbacks and widget files from its own folder at run time.
import type { Widgets } from 'blessed';
import type Grid from 'blessed-contrib/lib/layout/grid.js';
import type { BarElement, BarOptions } from 'blessed-contrib/lib/widget/charts/bar.js';
import type { LineElement, LineOptions } from 'blessed-contrib/lib/widget/charts/line.js';
import { type RolloutPhase, summarizeDeploymentList } from '../api/deployment-summary.js';
import { mebibytesText, milliCpuText } from '../api/quantity.js';
import type { DashboardFrame } from './dashboard-feed.js';
import { dashboardTitle, type TitleSegment } from './dashboard-title.js';
import { type EventLine, eventLineText } from './event-lines.js';
import { fitBars, podsPerNode } from './pods-per-node.js';
import { rolloutRows, rolloutTable } from './rollout-rows.js';
import { fitText } from './text-fit.js';
import { nodeLegend, type UsageChart, type UsageResource, usageChart } from './usage-history.js';

type Blessed = typeof import('blessed');

interface Libraries {
  blessed: Blessed;
  Grid: typeof Grid;
  line: (options: LineOptions) => LineElement;
  bar: (options: BarOptions) => BarElement;
}

async function loadLibraries(): Promise<Libraries> {
  try {
    const [blessed, grid, line, bar] = await Promise.all([
      import('blessed'),
      import('blessed-contrib/lib/layout/grid.js'),
      import('blessed-contrib/lib/widget/charts/line.js'),
      import('blessed-contrib/lib/widget/charts/bar.js'),
    ]);
    return { blessed: blessed.default, Grid: grid.default, line: line.default, bar: bar.default };
  } catch (e) {
    // The one part of the CLI that is not in its bundle: say how to get it.
    throw new Error(
      `kubelab dashboard needs the blessed and blessed-contrib packages next to the kubelab program (run \`npm ci\` in the kubelab folder): ${(e as Error).message}`,
    );
  }
}

export interface DashboardScreenOptions {
  /** The kubelab cluster's name, or the server for a --kubeconfig cluster. */
  cluster: string;
  provider?: string;
  namespace?: string;
  /** How often usage is sampled, for the charts' labels. */
  sampleIntervalMs: number;
}

/** A chart, and the box shown in its place while there is nothing to draw (and why). */
interface ChartCell {
  resource: UsageResource;
  chart: LineElement;
  placeholder: Widgets.BoxElement;
}

const phaseColors: Record<RolloutPhase, string> = {
  complete: 'green',
  progressing: 'yellow',
  paused: 'magenta',
  stalled: 'red',
};

/** Inner columns or rows of a bordered element (blessed reports numbers once it is attached). */
const inner = (size: number | string) => Math.max(0, Number(size) - 2);

/** A border label that fits on the border: blessed wraps a longer one into the box. */
const labelText = (text: string, width: number | string) => ` ${fitText(text, inner(width) - 3)} `;

export class DashboardScreen {
  private readonly screen: Widgets.Screen;
  private readonly title: Widgets.BoxElement;
  private readonly charts: ChartCell[];
  private readonly nodes: Widgets.BoxElement;
  private readonly pods: BarElement;
  private readonly rollouts: Widgets.BoxElement;
  private readonly events: Widgets.Log;
  private last?: DashboardFrame;
  private quitRequested!: () => void;
  /** Resolves when the user asks to quit: q, esc or ctrl+c. */
  readonly quit = new Promise<void>((resolve) => {
    this.quitRequested = resolve;
  });

  static async open(options: DashboardScreenOptions): Promise<DashboardScreen> {
    return new DashboardScreen(await loadLibraries(), options);
  }

  private constructor(
    private readonly lib: Libraries,
    private readonly options: DashboardScreenOptions,
  ) {
    const { blessed, Grid } = lib;
    // Charts are braille dots and borders are box-drawing characters, as in the TUI: the
    // terminal must be UTF-8. Without this blessed would draw borders with the VT100 line
    // set and, in a locale it does not recognise as UTF-8, braille as "?".
    process.env.NCURSES_NO_UTF8_ACS ??= '1';
    this.screen = blessed.screen({
      smartCSR: true,
      fullUnicode: true,
      forceUnicode: true,
      title: `kubelab dashboard: ${options.cluster}`,
    });
    this.title = blessed.box({
      parent: this.screen,
      top: 0,
      left: 0,
      width: '100%',
      height: 1,
      tags: true,
      wrap: false,
    });
    // The grid lays cells out in percentages of its "screen": a box under the title line.
    const body = blessed.box({ parent: this.screen, top: 1, left: 0, width: '100%', height: '100%-1' });
    const grid = new Grid({ rows: 12, cols: 12, screen: body, color: 'cyan' });
    const chartCell = (resource: UsageResource, col: number): ChartCell => ({
      resource,
      chart: grid.set(0, col, 5, 5, lib.line, {
        showLegend: false,
        tags: true,
        numYLabels: 4,
        wholeNumbersOnly: true,
        style: { text: 'white', baseline: 'white' },
      }),
      placeholder: grid.set(0, col, 5, 5, blessed.box, { tags: true, align: 'center', valign: 'middle' }),
    });
    this.charts = [chartCell('cpu', 0), chartCell('memory', 5)];
    // Panels of lines cut what does not fit; wrapping would push the rest down and out.
    this.nodes = grid.set(0, 10, 5, 2, blessed.box, { label: ' Nodes ', tags: true, wrap: false });
    this.pods = grid.set(5, 0, 4, 4, lib.bar, {
      label: ' Pods per node ',
      xOffset: 1,
      // The scale's floor: without one blessed-contrib divides by NaN and draws no bars.
      maxHeight: 1,
      barBgColor: 'cyan',
      barFgColor: 'white',
    });
    this.rollouts = grid.set(5, 4, 4, 8, blessed.box, { label: ' Rollouts ', tags: true, wrap: false });
    this.events = grid.set(9, 0, 3, 12, blessed.log, {
      label: ' Events (newest at the bottom) ',
      tags: true,
      // One line an event; what does not fit is cut rather than pushing older events out.
      wrap: false,
      scrollback: 500,
      scrollOnInput: true,
    });
    this.screen.key(['q', 'escape', 'C-c'], () => this.quitRequested());
    this.screen.on('resize', () => this.relayout());
    this.screen.render();
  }

  /** Draws a frame: appends its new events, redraws everything else. */
  draw(frame: DashboardFrame): void {
    this.last = frame;
    for (const line of frame.newEvents) this.events.log(this.eventTags(line));
    this.paint(frame);
  }

  /** Gives the terminal back as it was (main screen, cursor, cooked mode). */
  destroy(): void {
    this.screen.destroy();
  }

  /** After a resize: canvases are made for a size, so they are made again, then redrawn. */
  private relayout(): void {
    for (const c of this.charts) c.chart.emit('attach');
    this.pods.emit('attach');
    if (this.last) this.paint(this.last);
    else this.screen.render();
  }

  private paint(frame: DashboardFrame): void {
    this.title.setContent(
      this.tags(
        dashboardTitle({
          cluster: this.options.cluster,
          provider: this.options.provider,
          namespace: this.options.namespace,
          connection: frame.connection,
          nodes: frame.nodes,
          now: frame.now,
        }),
      ),
    );
    for (const cell of this.charts)
      this.paintChart(cell, usageChart(cell.resource, frame.usage, frame.nodes, frame.metrics));
    this.paintNodes(frame);
    this.paintPods(frame);
    this.paintRollouts(frame);
    this.screen.render();
  }

  private paintChart({ chart, placeholder }: ChartCell, view: UsageChart): void {
    const esc = this.lib.blessed.escape;
    if (view.unavailable !== undefined) {
      chart.hide();
      placeholder.show();
      placeholder.setLabel(labelText(`${view.title}: ${view.unavailable.short}`, placeholder.width));
      placeholder.setContent(`{yellow-fg}${esc(view.unavailable.detail)}{/yellow-fg}`);
      return;
    }
    placeholder.hide();
    chart.show();
    const every = `${this.options.sampleIntervalMs / 1000} s`;
    const more = view.notDrawn > 0 ? `, ${view.notDrawn} nodes not drawn` : '';
    chart.setLabel(
      labelText(`${view.title}, ${view.times.length} samples ${every} apart${more}`, chart.width),
    );
    chart.options.maxY = view.maxY;
    chart.setData(
      view.series.map((s) => ({ title: s.node, x: view.times, y: s.values, style: { line: s.color } })),
    );
  }

  private paintNodes(frame: DashboardFrame): void {
    const esc = this.lib.blessed.escape;
    const entries = nodeLegend(frame.nodes, frame.usage);
    const [rows, columns] = [inner(this.nodes.height), inner(this.nodes.width)];
    const lines: string[] = [];
    for (const e of entries) {
      // Line 1: the colour of the node's lines and its name; line 2: usage now, or why none.
      const name = esc(fitText(e.node, columns - 2));
      const detail = e.usage ? `${milliCpuText(e.usage.milliCpu)} ${mebibytesText(e.usage.memory)}` : e.note!;
      const detailColor = e.usage ? 'white' : e.note === 'SIMULATED' ? 'cyan' : 'gray';
      const state = e.ready ? '' : 'NotReady ';
      lines.push(
        `{${e.color}-fg}■{/${e.color}-fg} ${e.ready ? name : `{red-fg}${name}{/red-fg}`}`,
        `  ${state && `{red-fg}${state}{/red-fg}`}{${detailColor}-fg}${esc(fitText(detail, columns - 2 - state.length))}{/${detailColor}-fg}`,
      );
    }
    if (entries.length === 0) lines.push(`{gray-fg}${frame.synced ? 'no nodes yet' : 'listing…'}{/gray-fg}`);
    // Two lines a node: the last that fit, and how many did not.
    if (lines.length > rows) {
      const fit = Math.max(0, Math.floor((rows - 1) / 2));
      lines.splice(fit * 2, lines.length, `{gray-fg}+${entries.length - fit} more{/gray-fg}`);
    }
    this.nodes.setContent(lines.join('\n'));
  }

  private paintPods(frame: DashboardFrame): void {
    const layout = fitBars(podsPerNode(frame.nodes, frame.pods), inner(this.pods.width));
    const scope = this.options.namespace ? ` in ${this.options.namespace}` : '';
    const hidden = layout.hidden > 0 ? ` (busiest shown, ${layout.hidden} nodes left out)` : '';
    this.pods.setLabel(labelText(`Pods per node${scope} + Pending${hidden}`, this.pods.width));
    this.pods.options.barWidth = layout.barWidth;
    this.pods.options.barSpacing = layout.barSpacing;
    this.pods.setData({ titles: layout.titles, data: layout.values });
  }

  private paintRollouts(frame: DashboardFrame): void {
    const esc = this.lib.blessed.escape;
    const summaries = summarizeDeploymentList(frame.deployments, frame.replicaSets, this.options.namespace);
    if (summaries.length === 0) {
      const where = this.options.namespace ? ` in ${this.options.namespace}` : '';
      this.rollouts.setContent(
        `{gray-fg}${frame.synced ? `no Deployments${where} yet` : 'listing…'}{/gray-fg}`,
      );
      return;
    }
    const namespaces = new Set(summaries.map((s) => s.namespace));
    const table = rolloutTable(rolloutRows(summaries, namespaces.size > 1), inner(this.rollouts.width));
    this.rollouts.setContent(
      [
        `{bold}${esc(table.header)}{/bold}`,
        ...table.lines.map((l) => {
          const color = phaseColors[l.phase];
          return `${esc(l.text)}{${color}-fg}${esc(l.marker)}{/${color}-fg}`;
        }),
      ].join('\n'),
    );
  }

  private eventTags(line: EventLine): string {
    const text = this.lib.blessed.escape(eventLineText(line));
    return line.warning ? `{red-fg}${text}{/red-fg}` : text;
  }

  private tags(segments: readonly TitleSegment[]): string {
    const esc = this.lib.blessed.escape;
    return ` ${segments
      .map((s) => {
        let text = esc(s.text);
        if (s.color) text = `{${s.color}-fg}${text}{/${s.color}-fg}`;
        return s.bold ? `{bold}${text}{/bold}` : text;
      })
      .join(' ')}`;
  }
}

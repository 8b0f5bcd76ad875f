// Types for the three blessed-contrib modules the dashboard loads, by their own paths: the
// package's index loads every widget (maps, pictures, markdown with its renderer), and its
// bundled index.d.ts ends grid.set in an `any` overload. Only what src/dashboard uses is
// declared, as the modules (4.11) implement it.

declare module 'blessed-contrib/lib/layout/grid.js' {
  import type { Widgets } from 'blessed';

  namespace Grid {
    interface GridOptions {
      rows: number;
      cols: number;
      /** The element the cells are appended to; cells are percentages of its size. */
      screen: Widgets.Node;
      hideBorder?: boolean;
      /** The cells' border colour (default cyan). */
      color?: string;
    }
  }

  /** Places widgets in a rows x cols grid, each with a line border. */
  class Grid {
    constructor(options: Grid.GridOptions);
    /** Makes a widget with `factory` over `rowSpan` rows from `row` and `colSpan` columns from `col`. */
    set<O extends Widgets.ElementOptions, W extends Widgets.BlessedElement>(
      row: number,
      col: number,
      rowSpan: number,
      colSpan: number,
      factory: (options: O) => W,
      options: O,
    ): W;
  }

  export = Grid;
}

declare module 'blessed-contrib/lib/widget/charts/line.js' {
  import type { Widgets } from 'blessed';

  namespace line {
    interface LineSeries {
      title: string;
      /** Labels of the x axis: taken from the first series only. */
      x: string[];
      /** One value per x label. */
      y: number[];
      /** One of the eight ANSI colour names, or a 256-colour number. */
      style?: { line?: string | number };
    }

    interface LineOptions extends Widgets.BoxOptions {
      showLegend?: boolean;
      minY?: number;
      /** The top of the y axis; when unset, 1.2 x the highest value. */
      maxY?: number;
      numYLabels?: number;
      wholeNumbersOnly?: boolean;
      xPadding?: number;
      xLabelPadding?: number;
      /** Canvas colours: one of the eight ANSI colour names (black..white), or a 256-colour number. */
      style?: { line?: string | number; text?: string | number; baseline?: string | number };
    }

    interface LineElement extends Widgets.BoxElement {
      options: LineOptions;
      /** Draws the series; only once the chart is attached to a screen. */
      setData(series: LineSeries[]): void;
    }
  }

  function line(options: line.LineOptions): line.LineElement;
  export = line;
}

declare module 'blessed-contrib/lib/widget/charts/bar.js' {
  import type { Widgets } from 'blessed';

  namespace bar {
    interface BarData {
      titles: string[];
      data: number[];
    }

    interface BarOptions extends Widgets.BoxOptions {
      barWidth?: number;
      /** From one bar's left edge to the next one's; widened to barWidth + 3 when less. */
      barSpacing?: number;
      xOffset?: number;
      /** The scale's floor: bars are drawn against max(highest value, maxHeight). */
      maxHeight?: number;
      showText?: boolean;
      barBgColor?: string;
      barFgColor?: string;
      labelColor?: string;
    }

    interface BarElement extends Widgets.BoxElement {
      options: BarOptions;
      /** Draws the bars; only once the chart is attached to a screen. */
      setData(data: BarData): void;
    }
  }

  function bar(options: bar.BarOptions): bar.BarElement;
  export = bar;
}

/**
 * Standalone SVG charts for dspgd reports: pure functions from data to an SVG
 * string, with no DOM, so the same code serves the CLI report (written to
 * files) and the browser demo page (inserted as markup).
 *
 * Every series is a `<g class="series" data-series="name">` and every legend
 * row a `<g class="legend-entry" data-series="name">`, so pages and tests can
 * find them; all text is XML-escaped; colours are the colour-blind-safe
 * Okabe–Ito palette.
 *
 * @example
 * import { lineChart, barChart } from './plot/index.js';
 * const loss = lineChart({
 *   title: 'Loss', xLabel: 'iteration', yLabel: 'loss', yScale: 'log',
 *   series: [{ name: 'adam:eps=0.1', x: trace.iteration, y: trace.loss }],
 * });
 * const bias = lineChart({
 *   title: 'Distance to the GD solution', xLabel: 'learning rate', yLabel: 'relDistToGD',
 *   xScale: 'log', yScale: 'log', markers: true,
 *   series: [{ name: 'adam:eps=0.1', x: [1e-3, 4e-3], y: [0.21, 0.35] }],
 * });
 */
export { lineChart, lineChartLayout, type LineChartOptions, type LineChartLayout, type LineSeries } from './line.js';
export { barChart, type BarChartOptions, type BarGroup } from './bar.js';
export type { ScaleType } from './axis.js';
export { PALETTE, DASHES, seriesStyle, groupedStyles, type SeriesStyle, type StyleKey } from './palette.js';
export { escapeXml, FONT } from './svg.js';

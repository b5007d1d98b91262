// Run reports: the plots uploaded with each run, their renderer, and the content of metrics/test.json.
export { renderVegaLite, plotFonts, type RenderedChart, type RenderOptions } from './plots/render.js';
export { isPng, pngSize } from './plots/png-info.js';
export { logRunReports, PLOTS_DIR, type ReportsClient, type RunReportsInput, type RunReportsOptions } from './run-reports.js';
export { testReport, type LengthBreakdown, type TestReport } from './test-report.js';

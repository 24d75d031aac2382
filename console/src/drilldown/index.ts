// Drill-down: click a sensor or a district, see its series (thresholds drawn),
// KPIs and recent alerts.
export { DrillPanel } from './drill-panel.ts';
export { alertsOf, chartGeometry, RANGES, thresholdsOf, type DrillTarget, type RangeKey, type Threshold } from './drill-model.ts';
export { grpcWebDrill, type DrillKpis, type DrillQueries, type DrillSeries } from './query-client.ts';
export { SeriesChart } from './series-chart.ts';

/** Prometheus exposition of reclaim's metrics projection (prom-client, one registry per exporter). */
export {
  createPrometheusExporter,
  type PrometheusExporter,
  type PrometheusExporterOptions,
  type PrometheusSource,
} from './exporter.js';

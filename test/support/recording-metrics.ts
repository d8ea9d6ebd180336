/**
 * Powertools Metrics for unit tests: records what a handler emitted (flushed as EMF by the
 * entry's middleware in production), each metric with its unit, value and dimensions.
 */
import type { Metrics } from '@aws-lambda-powertools/metrics';

export interface EmittedMetric {
  name: string;
  unit: string;
  value: number;
  dimensions: Record<string, string>;
}

/** What a handler emitted through Powertools Metrics: metric name, unit, value and its dimensions. */
export class RecordingMetrics {
  readonly emitted: EmittedMetric[] = [];
  addMetric(name: string, unit: string, value: number) {
    this.emitted.push({ name, unit, value, dimensions: {} });
  }
  singleMetric() {
    const dimensions: Record<string, string> = {};
    return {
      addDimension: (name: string, value: string) => {
        dimensions[name] = value;
      },
      addMetric: (name: string, unit: string, value: number) => {
        this.emitted.push({ name, unit, value, dimensions: { ...dimensions } });
      },
    };
  }
  /** What was emitted under one metric name, in order. */
  named(name: string): EmittedMetric[] {
    return this.emitted.filter((m) => m.name === name);
  }
  asMetrics(): Metrics {
    return this as unknown as Metrics;
  }
}

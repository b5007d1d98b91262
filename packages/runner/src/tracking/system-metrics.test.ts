import { describe, expect, it } from 'vitest';
import type { MlflowMetricInput } from '../mlflow/index.js';
import { osProbe, parseNvidiaSmi, SystemMetricsSampler, systemMetricsCallbacks, type GpuSample, type SamplerTimer, type SystemProbe } from './system-metrics.js';

/** A clock whose interval fires only when the test says so. */
function fakeTimer() {
  const timers = new Map<number, { fn: () => void; ms: number }>();
  let next = 0;
  const timer: SamplerTimer = {
    setInterval: (fn, ms) => (timers.set(++next, { fn, ms }), next),
    clearInterval: (h) => timers.delete(h as number),
  };
  return { timer, timers, tick: () => [...timers.values()].forEach((t) => t.fn()) };
}

/** A probe with scripted CPU times: each call returns the next reading. */
function fakeProbe(cpu: { busy: number; total: number }[], gpus: GpuSample[] = []): SystemProbe & { cpuCalls: number } {
  const p = {
    cpuCalls: 0,
    cpuTimes: () => cpu[Math.min(p.cpuCalls++, cpu.length - 1)],
    memory: () => ({ totalBytes: 8e9, freeBytes: 2e9 }),
    rssBytes: () => 512e6,
    gpus: async () => gpus,
  };
  return p;
}

const sinkOf = () => {
  const points: MlflowMetricInput[] = [];
  return { points, sink: { ended: false, logMetrics: (m: readonly MlflowMetricInput[]) => void points.push(...m) } };
};
const at = (points: MlflowMetricInput[], step: number) => Object.fromEntries(points.filter((p) => p.step === step).map((p) => [p.key, p.value]));
const flush = () => new Promise((r) => setImmediate(r));

describe('SystemMetricsSampler', () => {
  it('samples every every_s from train begin to train end and once at the end, one step per sample, under MLflow’s names', async () => {
    const { timer, timers, tick } = fakeTimer();
    const { sink, points } = sinkOf();
    const probe = fakeProbe([{ busy: 0, total: 0 }, { busy: 300, total: 1000 }, { busy: 1300, total: 2000 }, { busy: 1400, total: 3000 }]);
    const s = new SystemMetricsSampler(sink, 2.5, probe, timer, () => 42);
    await s.onTrainBegin();
    expect([...timers.values()].map((t) => t.ms)).toEqual([2500]);
    tick();
    tick();
    await flush();
    await s.onTrainEnd();
    expect(timers.size).toBe(0);
    tick();
    await flush();
    expect(at(points, 0)).toEqual({
      'system/cpu_utilization_percentage': 30,
      'system/system_memory_usage_megabytes': 6000,
      'system/system_memory_usage_percentage': 75,
      'system/process_rss_megabytes': 512,
    });
    // The second sample's CPU share covers only the time since the first.
    expect(at(points, 1)['system/cpu_utilization_percentage']).toBe(100);
    expect(at(points, 2)['system/cpu_utilization_percentage']).toBe(10);
    expect(new Set(points.map((p) => p.step))).toEqual(new Set([0, 1, 2]));
    expect(points.every((p) => p.timestamp === 42)).toBe(true);
  });

  it('adds each GPU’s utilisation and memory when there are GPUs', async () => {
    const { sink, points } = sinkOf();
    const gpu = { index: 1, utilizationPercent: 87, memoryUsedMiB: 2048, memoryTotalMiB: 8192 };
    const s = new SystemMetricsSampler(sink, 1, fakeProbe([{ busy: 0, total: 0 }], [gpu]), fakeTimer().timer);
    await s.sample();
    expect(at(points, 0)).toMatchObject({
      'system/gpu_1_utilization_percentage': 87,
      'system/gpu_1_memory_usage_megabytes': 2147.5,
      'system/gpu_1_memory_usage_percentage': 25,
    });
  });

  it('stops by itself once the run has ended (a failed training never calls onTrainEnd)', async () => {
    const { timer, timers, tick } = fakeTimer();
    const { sink, points } = sinkOf();
    const s = new SystemMetricsSampler(sink, 1, fakeProbe([{ busy: 0, total: 0 }]), timer);
    await s.onTrainBegin();
    sink.ended = true;
    tick();
    await flush();
    expect(points).toEqual([]);
    expect(timers.size).toBe(0);
  });

  it('is left out when disabled', () => {
    const { sink } = sinkOf();
    expect(systemMetricsCallbacks({ enabled: false, every_s: 10 }, sink)).toEqual([]);
    expect(systemMetricsCallbacks({ enabled: true, every_s: 10 }, sink).map((c) => c.name)).toEqual(['system_metrics']);
  });
});

describe('GPU readings', () => {
  it('parses nvidia-smi’s CSV and ignores lines that are not readings', () => {
    expect(parseNvidiaSmi('0, 35, 1024, 16384\n1, [N/A], 3, 4\n\n')).toEqual([{ index: 0, utilizationPercent: 35, memoryUsedMiB: 1024, memoryTotalMiB: 16384 }]);
  });

  it('reads no GPU, silently, where nvidia-smi is missing', async () => {
    const probe = osProbe('/nonexistent/nvidia-smi');
    await expect(probe.gpus()).resolves.toEqual([]);
    const { busy, total } = probe.cpuTimes();
    expect(total).toBeGreaterThan(busy);
  });
});

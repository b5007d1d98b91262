// System metrics while a run trains, logged as MLflow's own system-metrics monitor logs them for Python runs
// (mlflow/system_metrics in MLflow 3.17): keys under `system/`, one step per sample counted from 0, so the run
// page's "System metrics" tab plots them. Names follow mlflow/system_metrics/metrics/{cpu,gpu}_monitor.py:
//   system/cpu_utilization_percentage       whole machine, all cores (psutil.cpu_percent())
//   system/system_memory_usage_megabytes    used memory in MB of 10^6 bytes (psutil's used / 1e6)
//   system/system_memory_usage_percentage
//   system/gpu_<i>_utilization_percentage, system/gpu_<i>_memory_usage_megabytes, …_memory_usage_percentage
// plus xp's own `system/process_rss_megabytes` (the training process's resident memory; MLflow has no name
// for it). GPUs are read with `nvidia-smi`; where it is absent they are skipped silently.
// The timer runs on the event loop, which training gives a turn after every batch (the run's Interruption
// callback), so a sample is at most one batch late.
import { execFile } from 'node:child_process';
import os from 'node:os';
import type { SystemMetricsConfig } from '@xp/core';
import type { Callback } from '../callbacks/callback.js';
import type { MlflowMetricInput } from '../mlflow/index.js';

/** One GPU's reading. */
export interface GpuSample {
  index: number;
  utilizationPercent: number;
  memoryUsedMiB: number;
  memoryTotalMiB: number;
}

/** Where samples come from; the default reads the OS and `nvidia-smi`, tests pass a fake. */
export interface SystemProbe {
  /** Summed CPU times of all cores, in ms: busy and total, since boot. */
  cpuTimes(): { busy: number; total: number };
  memory(): { totalBytes: number; freeBytes: number };
  rssBytes(): number;
  /** Readings of each GPU, or [] when there is none (or no way to read them). */
  gpus(): Promise<GpuSample[]>;
}

/** The timer the sampler runs on; tests pass a fake clock. */
export interface SamplerTimer {
  setInterval(fn: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
}

const MB = 1e6;
const MIB = 1024 * 1024;
const round1 = (x: number) => Math.round(x * 10) / 10;

/** Parses `nvidia-smi --query-gpu=index,utilization.gpu,memory.used,memory.total --format=csv,noheader,nounits`. */
export function parseNvidiaSmi(out: string): GpuSample[] {
  return out
    .split('\n')
    .map((l) => l.split(',').map((s) => Number(s.trim())))
    .filter((f) => f.length === 4 && f.every(Number.isFinite))
    .map(([index, util, used, total]) => ({ index, utilizationPercent: util, memoryUsedMiB: used, memoryTotalMiB: total }));
}

/** The probe of this machine. `nvidia-smi` is asked once per sample; after it is found missing, never again. */
export function osProbe(nvidiaSmi = 'nvidia-smi'): SystemProbe {
  let gpuReadable = true;
  return {
    cpuTimes() {
      let busy = 0;
      let total = 0;
      for (const { times } of os.cpus()) {
        const all = times.user + times.nice + times.sys + times.irq + times.idle;
        total += all;
        busy += all - times.idle;
      }
      return { busy, total };
    },
    // os.freemem() is MemAvailable on Linux (libuv), so used = total − available, as psutil counts "used".
    memory: () => ({ totalBytes: os.totalmem(), freeBytes: os.freemem() }),
    rssBytes: () => process.memoryUsage.rss(),
    gpus() {
      if (!gpuReadable) return Promise.resolve([]);
      const query = ['--query-gpu=index,utilization.gpu,memory.used,memory.total', '--format=csv,noheader,nounits'];
      return new Promise((resolve) => {
        execFile(nvidiaSmi, query, { timeout: 5000 }, (err, stdout) => {
          if (err) {
            // Missing (ENOENT) or failing (no driver): a machine without a usable GPU. Not retried.
            gpuReadable = false;
            return resolve([]);
          }
          resolve(parseNvidiaSmi(stdout));
        });
      });
    },
  };
}

// unref: the sampler must never keep a finished process alive.
const nodeTimer: SamplerTimer = {
  setInterval: (fn, ms) => setInterval(fn, ms).unref(),
  clearInterval: (h) => clearInterval(h as NodeJS.Timeout),
};

/** What the sampler logs to: the run tracker (its journal), or anything with the same method. */
export interface MetricsSink {
  logMetrics(metrics: readonly MlflowMetricInput[]): void;
  /** True once the run has ended: the sampler then stops (training that throws never calls onTrainEnd). */
  readonly ended?: boolean;
}

/**
 * Samples system metrics every `everyS` seconds between onTrainBegin and onTrainEnd (and once more at the
 * end) and logs each sample as one step. CPU utilisation is the busy share of CPU time since the previous sample (the first sample covers
 * the time since training began).
 */
export class SystemMetricsSampler implements Callback {
  readonly name = 'system_metrics';
  private handle: unknown;
  private step = 0;
  private lastCpu: { busy: number; total: number } | undefined;
  private pending: Promise<void> = Promise.resolve();

  constructor(
    private readonly sink: MetricsSink,
    private readonly everyS: number,
    private readonly probe: SystemProbe = osProbe(),
    private readonly timer: SamplerTimer = nodeTimer,
    private readonly now: () => number = Date.now,
  ) {}

  onTrainBegin(): void {
    this.stop();
    this.lastCpu = this.probe.cpuTimes();
    this.handle = this.timer.setInterval(() => {
      // One sample at a time: a slow nvidia-smi delays the next sample rather than overlapping it.
      this.pending = this.pending.then(() => this.sample());
    }, this.everyS * 1000);
  }

  /** Stops the timer and takes a last sample, so that even a run shorter than `every_s` has one. */
  async onTrainEnd(): Promise<void> {
    const running = this.handle !== undefined;
    this.stop();
    await this.pending;
    if (running) await this.sample();
  }

  /** Takes one sample now and logs it (also called by the timer). */
  async sample(): Promise<void> {
    if (this.sink.ended) return this.stop();
    const timestamp = this.now();
    const cpu = this.probe.cpuTimes();
    const { totalBytes, freeBytes } = this.probe.memory();
    const usedBytes = totalBytes - freeBytes;
    const values: Record<string, number> = {
      'system/system_memory_usage_megabytes': round1(usedBytes / MB),
      'system/system_memory_usage_percentage': round1((usedBytes / totalBytes) * 100),
      'system/process_rss_megabytes': round1(this.probe.rssBytes() / MB),
    };
    if (this.lastCpu && cpu.total > this.lastCpu.total) {
      values['system/cpu_utilization_percentage'] = round1(((cpu.busy - this.lastCpu.busy) / (cpu.total - this.lastCpu.total)) * 100);
    }
    this.lastCpu = cpu;
    for (const g of await this.probe.gpus()) {
      values[`system/gpu_${g.index}_utilization_percentage`] = g.utilizationPercent;
      values[`system/gpu_${g.index}_memory_usage_megabytes`] = round1((g.memoryUsedMiB * MIB) / MB);
      if (g.memoryTotalMiB > 0) values[`system/gpu_${g.index}_memory_usage_percentage`] = round1((g.memoryUsedMiB / g.memoryTotalMiB) * 100);
    }
    if (this.sink.ended) return this.stop();
    const step = this.step++;
    this.sink.logMetrics(Object.entries(values).map(([key, value]) => ({ key, value, step, timestamp })));
  }

  private stop(): void {
    if (this.handle !== undefined) this.timer.clearInterval(this.handle);
    this.handle = undefined;
  }
}

/** The callbacks `tracking.system_metrics` asks for: the sampler when enabled, else none. */
export function systemMetricsCallbacks(config: SystemMetricsConfig, sink: MetricsSink): Callback[] {
  return config.enabled ? [new SystemMetricsSampler(sink, config.every_s)] : [];
}

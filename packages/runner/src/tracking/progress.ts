import cliProgress from 'cli-progress';
import type { Logs } from '../callbacks/callback.js';
import type { ProgressReporter } from '../training/trainer.js';

const fmt = (v: number | undefined, d = 4) => (v === undefined || Number.isNaN(v) ? '-' : v.toFixed(d));

/** One line per epoch with the loss, the task's progress fields (train and validation), lr and speed. */
export function epochLine(epoch: number, epochs: number, l: Logs, fields: readonly string[] = []): string {
  const parts = [`epoch ${epoch + 1}/${epochs}`, `loss ${fmt(l.loss)}`, ...fields.map((f) => `${f} ${fmt(l[f])}`)];
  if (l.val_loss !== undefined) parts.push(`val_loss ${fmt(l.val_loss)}`, ...fields.map((f) => `val_${f} ${fmt(l[`val_${f}`])}`));
  parts.push(`lr ${l.lr?.toExponential(2) ?? '-'}`, `${fmt(l.epoch_time_s, 1)}s`, `${fmt(l.train_examples_per_s, 0)} ex/s`);
  return parts.join('  ');
}

/** A progress bar on a TTY, plain epoch lines otherwise (CI logs stay readable); `fields` are the task's progress fields. */
export function createProgress(fields: readonly string[] = [], stream: NodeJS.WriteStream = process.stderr): ProgressReporter {
  let bar: cliProgress.SingleBar | null = null;
  let epochs = 0;
  return {
    epochStart(epoch, total, batches) {
      epochs = total;
      if (!stream.isTTY) return;
      bar = new cliProgress.SingleBar(
        { stream, format: `epoch ${epoch + 1}/${total} [{bar}] {value}/{total} batches | loss {loss} | {eta_formatted}`, hideCursor: true },
        cliProgress.Presets.shades_classic,
      );
      bar.start(batches, 0, { loss: '-' });
    },
    batch(done, logs) {
      bar?.update(done, { loss: fmt(logs.loss) });
    },
    epochEnd(epoch, logs) {
      bar?.stop();
      bar = null;
      stream.write(`${epochLine(epoch, epochs, logs, fields)}\n`);
    },
  };
}

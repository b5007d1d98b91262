// The `xp` command line. Config errors exit with 2 and print `file:line:col: message` lines; a run stopped by
// a signal exits with 128 + its number; other errors print one line and exit 1; a stack trace only with --debug.
import { Command, Option } from 'commander';
import { ConfigError, XpError } from '@xp/core';
import { DataFileError } from '@xp/data';
import { compareCommand } from './commands/compare-command.js';
import { RunInterruptedError } from './run/errors.js';
import { trackingTarget } from './run/tracking-target.js';
import { sweepCommand } from './commands/sweep-command.js';
import { workerCommand } from './commands/worker-command.js';
import { doctorCommand } from './commands/doctor-command.js';
import { predictCommand } from './commands/predict-command.js';
import { registerCommand } from './commands/register-command.js';
import { ModelInputError } from './model-use/errors.js';
import { runCommand } from './commands/run-command.js';
import { serverCommand } from './commands/server-command.js';
import { syncCommand } from './commands/sync-command.js';
import { validateCommand } from './commands/validate-command.js';

const collect = (v: string, prev: string[]) => [...prev, v];
const PLUGIN_HELP = 'load a local ES module that adds registry entries, e.g. callbacks (repeatable)';
const debug = process.argv.includes('--debug');

// One line per problem on stderr, and an exit code a script can branch on: 2 for config errors (nothing ran)
// and for bad input to a trained model (a reference naming nothing, an unreadable image, rows with wrong columns),
// 128 + n for a run stopped by signal n (its MLflow run ended KILLED), 1 for anything else. The stack trace
// only with --debug; without it a crash still says where the trace can be had.
function fail(e: unknown): never {
  const err = e instanceof Error ? e : new Error(String(e));
  // Problems in the input (config or data files) print as `file:line[:col]: message` lines, as editors link them.
  if (e instanceof ConfigError) process.stderr.write(`${e.format()}\n`);
  else if (e instanceof DataFileError) process.stderr.write(`${e.message}\n`);
  else if (e instanceof RunInterruptedError) process.stderr.write(`xp: ${err.message}\n`);
  else process.stderr.write(`xp: error: ${err.message}${debug || e instanceof XpError ? '' : ' (run with --debug for the stack trace)'}\n`);
  if (debug && err.stack) process.stderr.write(`${err.stack}\n`);
  if (e instanceof RunInterruptedError) process.exit(e.exitCode);
  process.exit((e instanceof XpError && e.code.startsWith('XP_CONFIG')) || e instanceof ModelInputError ? 2 : 1);
}

const program = new Command('xp')
  .description('YAML-driven deep-learning experiments on native TensorFlow, tracked in MLflow')
  .option('--debug', 'print stack traces');

program
  .command('run')
  .description('train one experiment and log it to MLflow')
  .argument('[file]', 'experiment YAML (optional with --resume)')
  .option('--set <path=value>', 'override a config value (repeatable)', collect, [])
  .option('--tag <key=value>', 'add an MLflow run tag (repeatable)', collect, [])
  .option('--offline', 'log nothing to a server: keep the run in the local spool for `xp sync` (also XP_OFFLINE=1)')
  .option('--resume <run-id>', 'continue an interrupted run from its last completed epoch, in the same MLflow run')
  .option('--plugin <file>', PLUGIN_HELP, collect, [])
  .addOption(new Option('--backend <name>', 'tensorflow (native) or cpu (pure JS, debugging only)').choices(['tensorflow', 'cpu']))
  .action((file, opts) => runCommand(file, opts).catch(fail));

program
  .command('validate')
  .description('check experiment files without running anything (exit 0 when all are valid, 2 otherwise)')
  .argument('<files...>', 'experiment YAML files')
  .option('--set <path=value>', 'override a config value (repeatable)', collect, [])
  .option('--plugin <file>', PLUGIN_HELP, collect, [])
  .option('--summary', "print each model's layers, output shapes and parameter counts")
  .action((files, opts) =>
    validateCommand(files, { ...opts, debug })
      .then((ok) => process.exit(ok ? 0 : 2))
      .catch(fail),
  );

program
  .command('doctor')
  .description('report the backend, TensorFlow version, devices and MLflow')
  .option('--json', 'machine-readable output')
  .action((opts) =>
    doctorCommand(opts)
      .then((ok) => process.exit(ok ? 0 : 1))
      .catch(fail),
  );

program
  .command('server')
  .description('start (default), stop or show the embedded MLflow server')
  .argument('[action]', 'start | stop | status', 'start')
  .option('--detach', 'keep the server running after this command exits (the default for start)')
  .option('--no-detach', 'keep the server in the foreground')
  .option('--port <n>', 'port to bind on 127.0.0.1', (v) => Number.parseInt(v, 10))
  .action((action, opts) => serverCommand(action, opts).catch(fail));

program
  .command('sweep')
  .description('run a hyperparameter sweep: one MLflow parent run, one nested child run per trial')
  .argument('<file>', 'sweep YAML')
  .option('--resume', 'continue the newest sweep of this file without re-running finished trials')
  .option('--queue <url>', 'hand trials to `xp worker` processes through Redis (redis://host:6379)')
  .option('--plugin <file>', `${PLUGIN_HELP}; local trials load it too`, collect, [])
  .option('--register-best [name]', "register the best trial's logged model in the Model Registry (default name: the experiment's name)")
  .option('--alias <alias>', 'with --register-best: the registry alias to point at the new version')
  .action((file, opts) =>
    sweepCommand(file, opts)
      .then(() => process.exit(process.exitCode ?? 0))
      .catch(fail),
  );

program
  .command('worker')
  .description('take sweep trials from a Redis queue and run them (any number of machines)')
  .requiredOption('--queue <url>', 'redis://host:6379[/db][?queue=name]')
  .option('--concurrency <n>', 'trials at a time on this machine', (v) => Number.parseInt(v, 10))
  .option('--plugin <file>', `${PLUGIN_HELP}; this worker's trials load it (the plugins named by the sweep are not used)`, collect, [])
  .action((opts) =>
    workerCommand(opts)
      .then(() => process.exit(process.exitCode ?? 0))
      .catch(fail),
  );

program
  .command('compare')
  .description('compare runs: what differs and how well each did (table, Markdown, HTML, MLflow compare URL)')
  .argument('<targets...>', 'MLflow experiment names or run ids')
  .option('--out <dir>', 'output folder (default .xp/compare/<timestamp>)')
  .option('--open', 'open the MLflow UI compare page in a browser')
  .action(async (targets, opts) => {
    try {
      const { url } = await trackingTarget((m) => process.stderr.write(`${m}\n`));
      await compareCommand(targets, { out: opts.out, open: opts.open, trackingUri: url });
    } catch (e) {
      fail(e);
    }
  });

program
  .command('register')
  .description("register a run's logged model (or a logged model id m-…) in the MLflow Model Registry")
  .argument('<run-or-model-id>', 'an MLflow run id, or a logged model id (m-…)')
  .requiredOption('--name <name>', 'registered model name (created when it does not exist)')
  .option('--alias <alias>', 'alias to point at the new version, e.g. champion')
  .action(async (target, opts) => {
    try {
      const { url } = await trackingTarget((m) => process.stderr.write(`${m}\n`));
      await registerCommand(target, { name: opts.name, alias: opts.alias, trackingUri: url });
    } catch (e) {
      fail(e);
    }
  });

program
  .command('predict')
  .description('predict with a trained model: image files or folders, CSV/JSON Lines rows, or - (stdin); one line per input on stdout')
  .argument('<model>', 'runs:/<run-id>, models:/<name>/<version>, models:/<name>@<alias>, a logged model id (m-…) or a model folder')
  .argument('<inputs...>', 'image files or folders, a CSV/TSV/JSON Lines file of rows, or - for stdin')
  .addOption(new Option('--format <format>', 'output format').choices(['jsonl', 'csv']).default('jsonl'))
  .option('--top-k <k>', 'also give the k likeliest classes (per position for sequences) with their probabilities', (v) => Number(v))
  .option('--batch-size <n>', 'inputs per forward pass', (v) => Number(v))
  .action((model, inputs, opts) =>
    predictCommand(model, inputs, { format: opts.format, topK: opts.topK, batchSize: opts.batchSize })
      .then(() => process.exit(0))
      .catch(fail),
  );

program
  .command('sync')
  .description('send spooled runs (offline runs, or records kept during a server outage) to MLflow')
  .action(() =>
    syncCommand()
      .then((ok) => process.exit(ok ? 0 : 1))
      .catch(fail),
  );

program
  .command('ui')
  .description('start the embedded MLflow server if needed and print its UI URL')
  .action(() => serverCommand('start', { detach: true }).catch(fail));

program.parseAsync().catch(fail);

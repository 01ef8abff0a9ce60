/**
 * A sipsentry-like program with only the privacy commands and a `replay` stand-in using the shared
 * options, for cli.test.ts to run as a child process (exit codes and output as the real CLI has
 * them). Does nothing unless SIPSENTRY_CLI_HARNESS=1, since the test runner loads every file here.
 */
import { Command, CommanderError } from 'commander';
import { buildEncryptor, privacyOptions, registerPrivacyCommands, type PrivacyCliOptions } from '../../src/cli/privacy-commands.js';

if (process.env.SIPSENTRY_CLI_HARNESS === '1') {
  const program = new Command().name('sipsentry').exitOverride().configureOutput({ writeErr: (s) => process.stderr.write(s) });
  registerPrivacyCommands(program);
  privacyOptions(program.command('replay').argument('<capture>')).action((_c: string, opts: PrivacyCliOptions) => {
    const enc = buildEncryptor(opts);
    process.stdout.write(JSON.stringify({ scheme: enc?.scheme ?? null }) + '\n');
  });
  try {
    await program.parseAsync(process.argv);
  } catch (err) {
    if (!(err instanceof CommanderError)) throw err;
    process.exitCode = err.exitCode === 0 ? 0 : 2;
  }
}

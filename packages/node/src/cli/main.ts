/**
 * The `machi` command line. Each command: `--help`; errors are one line on stderr and a non-zero exit.
 * Exit codes: 0 ok, 1 verification failed (tamper found / invalid bundle), 2 usage or runtime error.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { commands, type Command } from './commands.js';

const USAGE = `machi — a node and tools for the Machi consortium ledger

Usage: machi <command> [options]      (machi <command> --help for details)

Commands:
${Object.values(commands).map((c) => `  ${c.usage.padEnd(58)} ${c.summary}`).join('\n')}
`;

export class UsageError extends Error {}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(USAGE);
    return name === undefined ? 2 : 0;
  }
  const cmd: Command | undefined = commands[name];
  if (cmd === undefined) throw new UsageError(`unknown command "${name}"; run "machi --help"`);
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(`Usage: machi ${cmd.usage}\n\n${cmd.help}\n`);
    return 0;
  }
  let parsed;
  try {
    parsed = parseArgs({ args: rest, options: cmd.options as ParseArgsConfig['options'], allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError(`${(e as Error).message.split('\n')[0]} (machi ${name} --help)`);
  }
  return cmd.run(parsed.values as Record<string, string | boolean | undefined>, parsed.positionals);
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== 0 || !commands[process.argv[2] ?? '']?.longRunning) process.exitCode = code;
  },
  (e: unknown) => {
    const msg = e instanceof Error ? e.message : String(e);
    process.stderr.write(`machi: ${msg.split('\n')[0]}\n`);
    process.exitCode = 2;
  },
);

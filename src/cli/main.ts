/**
 * The `tally` command line. `runCli(argv, io)` runs one command in-process and answers its exit
 * code (tests call it directly); `main()` runs it for the process (bin/tally.js, or
 * `node dist/src/cli/main.js`).
 */
import { CommanderError } from 'commander';
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ApiProblem, ConnectionError } from './api-client.js';
import { buildProgram } from './build-program.js';
import { CommandFailed, EXIT_OK, EXIT_REFUSED, EXIT_USAGE, UsageError } from './cli-errors.js';
import { processIo, type CliIo } from './cli-io.js';

export type { CliIo } from './cli-io.js';

/** Problem fields shown after the detail, e.g. `available: 3, required: 8`. */
const PROBLEM_BASICS = new Set(['type', 'title', 'status', 'code', 'detail', 'instance']);

/** Runs `tally <argv…>` (argv without node and the script) and answers the exit code. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const program = buildProgram(io);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return EXIT_OK;
  } catch (error) {
    return reportError(error, io);
  }
}

function reportError(error: unknown, io: CliIo): number {
  if (error instanceof CommanderError) {
    // Commander has printed the message (or the help) already.
    return error.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
  }
  if (error instanceof UsageError) {
    io.stderr(`error: ${error.message}\n(tally --help shows the usage)\n`);
    return EXIT_USAGE;
  }
  if (error instanceof ApiProblem) {
    const extras = Object.entries(error.document)
      .filter(([name]) => !PROBLEM_BASICS.has(name))
      .map(
        ([name, value]) => `${name}: ${typeof value === 'string' ? value : JSON.stringify(value)}`,
      );
    io.stderr(
      `error: ${error.code}: ${error.detail}${extras.length > 0 ? ` (${extras.join(', ')})` : ''}\n`,
    );
    const hint = hintFor(error);
    if (hint) io.stderr(`${hint}\n`);
    // The server found the request malformed: a usage error too.
    return error.code === 'invalid_request' || error.code === 'invalid_json'
      ? EXIT_USAGE
      : EXIT_REFUSED;
  }
  if (error instanceof CommandFailed) {
    io.stderr(`error: ${error.message}\n`);
    return EXIT_REFUSED;
  }
  if (error instanceof ConnectionError) {
    io.stderr(`error: ${error.message}\nIs the server running? Start one with: tally serve\n`);
    return EXIT_REFUSED;
  }
  const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
  io.stderr(`error: unexpected failure: ${message}\n`);
  return EXIT_REFUSED;
}

function hintFor(problem: ApiProblem): string | undefined {
  switch (problem.code) {
    case 'unauthenticated':
      return 'Give an API key with --key or TALLY_KEY (for a local server, the root key is in ./data/root-key).';
    case 'forbidden':
      return "This key's role may not do that: use an admin key, or the root key for orgs and features.";
    default:
      return undefined;
  }
}

/** Runs the command line of this process; the exit code is left for Node to use. */
export async function main(): Promise<void> {
  process.exitCode = await runCli(process.argv.slice(2), processIo());
}

function isEntryPoint(): boolean {
  const script = process.argv[1];
  if (script === undefined) return false;
  try {
    return realpathSync(script) === fileURLToPath(import.meta.url);
  } catch {
    return false;
  }
}

if (isEntryPoint()) await main();

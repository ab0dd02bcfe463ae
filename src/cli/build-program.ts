/** The `tally` command line: global options and every command, wired to one run's I/O. */
import { Command } from 'commander';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { registerAllowancesCommand } from './allowances-command.js';
import { registerBalanceCommand } from './balance-command.js';
import { registerChargeCommand } from './charge-command.js';
import type { CliIo } from './cli-io.js';
import { CommandContext, type GlobalFlags } from './command-context.js';
import { DEFAULT_URL } from './connection.js';
import { registerDemoCommand } from './demo-command.js';
import { registerFeaturesCommand } from './features-command.js';
import { registerGrantCommand } from './grant-command.js';
import { registerKeysCommand } from './keys-command.js';
import { registerOrgsCommand } from './orgs-command.js';
import { registerPacksCommand } from './packs-command.js';
import { registerPlanCommand } from './plan-command.js';
import { registerPlansCommand } from './plans-command.js';
import { registerProjectsCommand } from './projects-command.js';
import { registerPurchasesCommand } from './purchases-command.js';
import { registerReportCommand } from './report-command.js';
import { registerRollupsCommand } from './rollups-command.js';
import { registerServeCommand } from './serve-command.js';
import { registerStatementCommand } from './statement-command.js';
import { registerTxCommand } from './tx-command.js';

export function buildProgram(io: CliIo): Command {
  const program = new Command('tally')
    .description('Tally, the AI credit ledger: run the server, or talk to a running one')
    .option('--url <url>', `the server (default TALLY_URL or ${DEFAULT_URL})`)
    .option(
      '--key <key>',
      'API key (default TALLY_KEY; for a local server, the root key in ./data/root-key)',
    )
    .option('--json', 'print the raw JSON the API answered instead of tables')
    .version(packageVersion(), '-V, --version')
    .showHelpAfterError('(tally --help shows the usage)')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout(text),
      writeErr: (text) => io.stderr(text),
    })
    .addHelpText(
      'after',
      `
Exit codes: 0 done, 1 refused by the server (or unreachable), 2 wrong usage.
Times without an offset ("2026-03-01", "2026-03-01 09:30") are read in the org's time zone.

Examples:
  tally serve
  tally orgs create "Snapshot Booths" --timezone Europe/Berlin --allowance 1500
  tally features set background-removal --name "Background removal" --price action=2
  tally charge org_123 background-removal --user maya --project garcia-lee-wedding
  tally tx org_123 --type usage --status failed --from 2026-03-01 --all
  tally report usage org_123 --interval week --group-by feature
  tally demo --months 12 --charges 30000`,
    );
  const contextOf = (command: Command) =>
    new CommandContext(io, command.optsWithGlobals<GlobalFlags>());
  registerServeCommand(program, io);
  registerOrgsCommand(program, contextOf);
  registerKeysCommand(program, contextOf);
  registerFeaturesCommand(program, contextOf);
  registerGrantCommand(program, contextOf);
  registerChargeCommand(program, contextOf);
  registerBalanceCommand(program, contextOf);
  registerTxCommand(program, contextOf);
  registerStatementCommand(program, contextOf);
  registerReportCommand(program, contextOf);
  registerProjectsCommand(program, contextOf);
  registerAllowancesCommand(program, contextOf);
  registerPlansCommand(program, contextOf);
  registerPacksCommand(program, contextOf);
  registerPlanCommand(program, contextOf);
  registerPurchasesCommand(program, contextOf);
  registerRollupsCommand(program, contextOf);
  registerDemoCommand(program, contextOf);
  return program;
}

/** The version in the package.json above this file (in src/ or in dist/src/). */
function packageVersion(): string {
  let folder = dirname(fileURLToPath(import.meta.url));
  for (let depth = 0; depth < 5; depth += 1) {
    const file = join(folder, 'package.json');
    if (existsSync(file)) {
      try {
        const parsed = JSON.parse(readFileSync(file, 'utf8')) as { version?: unknown };
        if (typeof parsed.version === 'string') return parsed.version;
      } catch {
        return 'unknown';
      }
    }
    folder = dirname(folder);
  }
  return 'unknown';
}

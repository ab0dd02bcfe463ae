/**
 * `tally serve`: runs the HTTP server until SIGTERM or SIGINT. The server is composed in
 * src/main.ts (the one composition root); it is loaded only here, so the client commands start
 * without the database driver.
 */
import type { Command } from 'commander';
import type { CliIo } from './cli-io.js';
import { parseInteger } from './parse-arguments.js';

interface ServeFlags {
  host?: string;
  port?: string;
  dataDir?: string;
}

export function registerServeCommand(program: Command, io: CliIo): void {
  program
    .command('serve')
    .description('run the Tally server (configured by HOST, PORT, TALLY_DATA_DIR, TALLY_ROOT_KEY)')
    .option('--host <host>', 'interface to listen on (default HOST or 127.0.0.1)')
    .option('--port <port>', 'port to listen on (default PORT or 4000; 0 picks a free one)')
    .option('--data-dir <dir>', 'where the database and root key live (default ./data)')
    .action(async (flags: ServeFlags) => {
      const env: Record<string, string | undefined> = { ...io.env };
      if (flags.host !== undefined) env.HOST = flags.host;
      if (flags.port !== undefined) {
        env.PORT = String(parseInteger(flags.port, '--port', { min: 0, max: 65_535 }));
      }
      if (flags.dataDir !== undefined) env.TALLY_DATA_DIR = flags.dataDir;
      const { serve } = await import('../main.js');
      await serve(env);
    });
}

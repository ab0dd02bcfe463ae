/** `tally keys create` and `tally keys list`. */
import { Option, type Command } from 'commander';
import type { CreatedKeyBody } from './api-types.js';
import { orgPath, type CommandContext } from './command-context.js';
import { formatPairs, formatTable } from './table.js';

interface KeyListBody {
  data: {
    id: string;
    name: string;
    role: string;
    prefix: string;
    createdAt: string;
    lastUsedAt: string | null;
    revokedAt: string | null;
  }[];
}

export function registerKeysCommand(
  program: Command,
  contextOf: (command: Command) => CommandContext,
): void {
  const keys = program.command('keys').description("manage an org's API keys");
  keys
    .command('create <org> <name>')
    .description('a new API key for the org; its secret is shown once (admin)')
    .addOption(
      new Option('--role <role>', 'what the key may do')
        .choices(['admin', 'operator', 'viewer'])
        .makeOptionMandatory(),
    )
    .option('--idempotency-key <key>', 'make a retry of this command safe')
    .action(
      async (
        org: string,
        name: string,
        flags: { role: string; idempotencyKey?: string },
        command: Command,
      ) => {
        const context = contextOf(command);
        const key = (
          await context.client.post<CreatedKeyBody>(
            orgPath(org, '/api-keys'),
            { name, role: flags.role },
            flags.idempotencyKey,
          )
        ).body;
        context.print(key, () =>
          formatPairs([
            ['key', key.id],
            ['name', key.name],
            ['role', key.role],
            ['secret', key.secret],
          ]),
        );
        if (!context.json) context.note('The secret is shown this once: keep it now.');
      },
    );
  keys
    .command('list <org>')
    .description("the org's keys, without their secrets (admin)")
    .action(async (org: string, _flags: unknown, command: Command) => {
      const context = contextOf(command);
      const list = (await context.client.get<KeyListBody>(orgPath(org, '/api-keys'))).body;
      context.print(list, () =>
        formatTable(list.data, [
          { header: 'KEY', value: (key) => key.id },
          { header: 'NAME', value: (key) => key.name },
          { header: 'ROLE', value: (key) => key.role },
          { header: 'PREFIX', value: (key) => key.prefix },
          { header: 'CREATED', value: (key) => key.createdAt },
          { header: 'LAST USED', value: (key) => key.lastUsedAt ?? '-' },
          { header: 'REVOKED', value: (key) => key.revokedAt ?? '' },
        ]),
      );
    });
}

/** What a CLI run may touch: output streams, the environment and the network, injectable for tests. */

export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  env: Readonly<Record<string, string | undefined>>;
  /** Where `./data/root-key` is looked for; default the process's working directory. */
  cwd?: string;
  /** Whether stderr is a terminal: progress bars there, else plain progress lines. */
  stderrIsTTY?: boolean;
  /** Default: the global fetch. */
  fetch?: typeof fetch;
  /** Default: setTimeout. */
  sleep?: (ms: number) => Promise<void>;
  /** Default: Date.now. */
  now?: () => number;
}

export function processIo(): CliIo {
  // `tally tx --all | head`: once the reader has gone, stop quietly rather than crash.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
  return {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    env: process.env,
    cwd: process.cwd(),
    stderrIsTTY: process.stderr.isTTY === true,
  };
}

export const sleep = (ms: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, ms));

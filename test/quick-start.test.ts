import { rmSync } from 'node:fs';
import { expect, it } from 'vitest';
import { quickStart } from '../examples/quick-start.js';
import { tempDir } from './support/harness.js';

it('runs the README example', async () => {
  const dir = tempDir();
  try {
    expect(await quickStart(dir)).toBe('3992');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

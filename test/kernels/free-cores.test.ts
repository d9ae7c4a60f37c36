import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { busyTicksOf, freeCores, freeCoresBetween, type LoadSample } from '../../src/kernels/free-cores.js';

const sample = (atMs: number, busyTicks: number | null, ownMs: number): LoadSample => ({ atMs, busyTicks, ownMs });

describe('free cores', () => {
  it('reads the busy ticks of the whole machine from /proc/stat (idle and iowait left out)', () => {
    expect(busyTicksOf('cpu  100 2 30 5000 7 1 4 3 0 0\ncpu0 50 1 15 2500 3 0 2 1 0 0\n')).toBe(100 + 2 + 30 + 1 + 4 + 3);
    expect(busyTicksOf('intr 1 2 3\n')).toBeNull();
    expect(busyTicksOf('cpu  1 2\n')).toBeNull();
  });

  it("counts others' load as the machine's busy time less this process's own", () => {
    // 1 s window, 2 cores: the machine was busy 1.9 core-seconds, 0.9 of them ours: others held 1 core.
    expect(freeCoresBetween(sample(0, 1000, 0), sample(1000, 1190, 900), 2)).toBe(1);
    // Only our own work: both cores free.
    expect(freeCoresBetween(sample(0, 1000, 0), sample(1000, 1095, 950), 2)).toBe(2);
    // A little noise from others rounds away.
    expect(freeCoresBetween(sample(0, 1000, 0), sample(1000, 1130, 900), 2)).toBe(2);
    // Never below 1, never above the cores; unknown load leaves every core free.
    expect(freeCoresBetween(sample(0, 0, 0), sample(1000, 400, 0), 2)).toBe(1);
    expect(freeCoresBetween(sample(0, null, 0), sample(1000, null, 0), 4)).toBe(4);
  });

  it.runIf(process.platform === 'linux')('sees a core held by a spinning process', async () => {
    const spinner = spawn(process.execPath, ['-e', 'for(;;);'], { stdio: 'ignore' });
    spinner.on('error', () => {}); // no spinner: the expectation below fails, not the worker
    try {
      await new Promise((r) => setTimeout(r, 300)); // the spinner is running
      freeCores(2); // a new window starts here
      await new Promise((r) => setTimeout(r, 400));
      expect(freeCores(2)).toBe(1);
    } finally {
      spinner.kill('SIGKILL');
    }
  });
});

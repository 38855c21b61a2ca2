/**
 * Pinning benchmark processes to cores, so that what one process costs is not
 * blurred by the scheduler moving processes between cores.
 */
import { execFileSync } from 'node:child_process';
import os from 'node:os';

/**
 * With taskset (util-linux) and two cores or more: `all` (every core, as a
 * taskset list) and `pin(cpus, pid)`, which sets a running process's cores;
 * undefined when pinning is not available.
 */
export const PINNING = (() => {
  if (os.availableParallelism() < 2) return undefined;
  try {
    execFileSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' });
  } catch {
    return undefined;
  }
  const all = `0-${os.availableParallelism() - 1}`;
  return { all, pin: (cpus, pid = process.pid) => execFileSync('taskset', ['-a', '-cp', cpus, String(pid)], { stdio: 'ignore' }) };
})();

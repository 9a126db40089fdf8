import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { available } from '../../common/testing/index.ts';

/** A small filesystem of a test's own, to fill up or make read-only (mounting needs root; CI runs as root). */
export interface Tmpfs {
  readonly dir: string;
  /** `mount -o remount,ro|rw`: what a power cut followed by an fsck does to the spool's filesystem, and the repair. */
  remount(mode: 'ro' | 'rw'): void;
  /** Fills the filesystem with a ballast file until only about `leaveBytes` are free; returns its path. */
  fill(leaveBytes: number): string;
  freeBytes(): number;
  unmount(): void;
}

function canMount(): boolean {
  const dir = mkdtempSync(join(tmpdir(), 'sunshare-tmpfs-probe-'));
  try {
    if (spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', dir], { stdio: 'ignore' }).status !== 0) return false;
    spawnSync('umount', [dir], { stdio: 'ignore' });
    return true;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** True when this process may mount a tmpfs; otherwise skips loudly, and under CI=true throws. */
export const tmpfsAvailable = () => available('a tmpfs of the test\'s own (mount -t tmpfs)', canMount(), 'run the tests as root, as CI does');

export function mountTmpfs(size: string): Tmpfs {
  const dir = mkdtempSync(join(tmpdir(), 'sunshare-tmpfs-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir]);
  let mounted = true;
  const freeBytes = () => {
    const s = statfsSync(dir);
    return s.bavail * s.bsize;
  };
  return {
    dir,
    remount: (mode) => execFileSync('mount', ['-o', `remount,${mode}`, dir]),
    fill: (leaveBytes) => {
      const file = join(dir, 'ballast');
      writeFileSync(file, Buffer.alloc(Math.max(0, freeBytes() - leaveBytes)));
      return file;
    },
    freeBytes,
    unmount: () => {
      if (!mounted) return;
      mounted = false;
      spawnSync('umount', ['-l', dir], { stdio: 'ignore' });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

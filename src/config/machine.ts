import { linkSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, hostname } from 'node:os';
import { join } from 'node:path';
import { RadarError } from '../core/errors.js';
import type { Machine } from '../core/machine.js';
import { radarDirs } from './locations.js';
import { makeFolders } from '../files/folders.js';

/**
 * This machine as the ledger knows it: a stable id radar creates once (a random id in
 * `machine-id` under the state folder; `RADAR_MACHINE_ID` overrides it, for tests and for
 * machines whose state folder is not kept), and a name for people (config `machine.name`, else
 * the hostname). Two radars starting at once on a new machine agree: the file is created only if
 * absent, and whoever loses the race reads the winner's id.
 */
export function machineIdentity(env: NodeJS.ProcessEnv, name: string | undefined): Machine {
  const given = env.RADAR_MACHINE_ID?.trim();
  return { id: given || storedMachineId(env), name: name ?? hostname() };
}

/** A machine id is short printable text (radar's own are UUIDs). */
const VALID_ID = /^[\w.:-]{1,128}$/;

function storedMachineId(env: NodeJS.ProcessEnv): string {
  const dir = radarDirs({ env, platform: process.platform, home: env.HOME ?? homedir() }).state;
  const file = join(dir, 'machine-id');
  const read = () => {
    try {
      const id = readFileSync(file, 'utf8').trim();
      return VALID_ID.test(id) ? id : undefined;
    } catch {
      return undefined;
    }
  };
  const known = read();
  if (known) return known;
  makeFolders(dir);
  // Written whole beside it, then linked into place: a reader never sees a half-written id. Web
  // Crypto's global, not node:crypto: that module would load at every start to serve this once.
  const draft = `${file}.${process.pid}.${crypto.randomUUID()}`;
  writeFileSync(draft, `${crypto.randomUUID()}\n`, { mode: 0o644 });
  try {
    linkSync(draft, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    rmSync(draft, { force: true });
  }
  const id = read();
  if (!id)
    throw new RadarError(`cannot read the machine id in ${file}: remove it to make a new one`);
  return id;
}

import type { Context } from '../context.js';
import { RadarError } from '../errors.js';

export function run(_ctx: Context): number {
  throw new RadarError('radar queue is being built in this change');
}

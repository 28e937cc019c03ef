import type { Command } from 'commander';
import type { Context } from '../context.js';
import { commandTree, completionScript, type Shell } from '../cli-completion.js';

/**
 * `radar completion <shell>`: the completion script of the program as it is built now. The
 * program is handed over by program.ts, which builds it (this file never imports it back).
 */
export function completion(
  program: () => Command,
): (ctx: Context, shell: Shell) => Promise<number> {
  return (ctx, shell) => {
    ctx.stdout.write(completionScript(shell, commandTree(program())));
    return Promise.resolve(0);
  };
}

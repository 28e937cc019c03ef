import type { Context } from '../context.js';
import { commandTree, completionScript, type Shell } from '../cli-completion.js';

/** `radar completion <shell>`: the completion script of the program as it is built now. */
export async function run(ctx: Context, shell: Shell): Promise<number> {
  const { buildProgram } = await import('../program.js');
  ctx.stdout.write(completionScript(shell, commandTree(buildProgram())));
  return 0;
}

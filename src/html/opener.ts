/**
 * Which program opens a file with the desktop's default application, per platform: `open` on
 * macOS, `start` (a cmd built-in) on Windows, `xdg-open` elsewhere. Pure: the command spawns it.
 */
export function openerFor(
  platform: NodeJS.Platform,
  file: string,
): { command: string; args: string[] } {
  if (platform === 'darwin') return { command: 'open', args: [file] };
  // `start` takes its first quoted argument as the window title: give it an empty one.
  if (platform === 'win32') return { command: 'cmd', args: ['/c', 'start', '""', file] };
  return { command: 'xdg-open', args: [file] };
}

import { fstatSync, statSync, writeSync } from 'node:fs';

/**
 * process.stdout or process.stderr as radar writes to it, made only when needed. Node makes the
 * stream on first access, and for a pipe it is a net.Socket: loading net and node's streams took
 * about 5 ms of every run's start (`radar ingest` from cron, output piped to mail) to print one
 * summary.
 *
 * Writes to a file, a pipe, a socket or /dev/null go straight to the descriptor, whole, with
 * writeSync: what node's own stream does for a file, and on Linux for a blocking pipe (its writes
 * are synchronous there); `isTTY`, `columns` and `rows` are answered for them too (false, none).
 * Anything else is node's stream, made then and used from then on: a terminal, any other
 * property or method (listeners), and a write the descriptor refuses but for a closed reader (a
 * descriptor someone made non-blocking: the stream waits for it). The stream gets `onError` as
 * its error listener; a write whose reader has gone (EPIPE; ECONNRESET from a socket closed with
 * bytes unread) goes to `onError` too.
 */
export function processOutput(
  name: 'stdout' | 'stderr',
  onError: (error: NodeJS.ErrnoException) => void,
): NodeJS.WriteStream {
  const fd = name === 'stdout' ? 1 : 2;
  let stream: NodeJS.WriteStream | undefined;
  let direct: boolean | undefined;
  const made = (): NodeJS.WriteStream => {
    if (!stream) {
      stream = process[name];
      stream.on('error', onError);
    }
    return stream;
  };
  const goesStraight = () => !stream && (direct ??= fileOrPipe(fd));

  function write(chunk: unknown, ...rest: unknown[]): boolean {
    const callback = rest.find((r): r is (error?: Error | null) => void => typeof r === 'function');
    const encoding = typeof rest[0] === 'string' ? (rest[0] as BufferEncoding) : 'utf8';
    if (!goesStraight() || !(typeof chunk === 'string' || chunk instanceof Uint8Array))
      return (made().write as (...args: unknown[]) => boolean)(chunk, ...rest);
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, encoding) : chunk;
    let written = 0;
    try {
      while (written < bytes.length) written += writeSync(fd, bytes, written);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EPIPE' || code === 'ECONNRESET') {
        onError(error as NodeJS.ErrnoException);
        return false;
      }
      // From now on everything goes through node's stream (goesStraight sees it made).
      return made().write(bytes.subarray(written), callback);
    }
    if (callback) process.nextTick(callback);
    return true;
  }

  return new Proxy({} as NodeJS.WriteStream, {
    get(_, prop) {
      if (prop === 'write') return write;
      if (prop === 'isTTY' && goesStraight()) return false;
      // A file or pipe has no size: what node's stream would say, without making it.
      if ((prop === 'columns' || prop === 'rows') && goesStraight()) return undefined;
      const target = made();
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === 'function'
        ? (value as (...args: unknown[]) => unknown).bind(target)
        : value;
    },
    set(_, prop, value) {
      return Reflect.set(made(), prop, value);
    },
    has(_, prop) {
      return prop === 'write' || Reflect.has(made(), prop);
    },
  });
}

/**
 * The descriptor is a regular file, a pipe, a socket or /dev/null (a cron job's `>/dev/null`):
 * never a terminal. Any other character device may be one, and node's stream tells.
 */
function fileOrPipe(fd: number): boolean {
  try {
    const st = fstatSync(fd);
    if (st.isFile() || st.isFIFO() || st.isSocket()) return true;
    return st.isCharacterDevice() && st.rdev === statSync('/dev/null').rdev;
  } catch {
    return false;
  }
}

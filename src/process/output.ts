/**
 * A child's output kept in memory, bounded: the first half of the limit and the last half are
 * kept, whatever lies between is counted and dropped. A run that prints for hours stays small;
 * whoever needs everything streams it through the runner's callbacks instead.
 */

export interface Output {
  /** The text kept (UTF-8); when truncated, a marker line stands where bytes were dropped. */
  text: string;
  /** Every byte the stream delivered, kept or not. */
  bytes: number;
  truncated: boolean;
}

export class BoundedOutput {
  private readonly head: Buffer[] = [];
  private headBytes = 0;
  private tail: Buffer[] = [];
  private tailBytes = 0;
  private total = 0;
  private readonly headLimit: number;
  private readonly tailLimit: number;

  constructor(limitBytes: number) {
    const limit = Math.max(0, Math.floor(limitBytes));
    this.headLimit = Math.floor(limit / 2);
    this.tailLimit = limit - this.headLimit;
  }

  push(chunk: Buffer): void {
    this.total += chunk.length;
    let rest = chunk;
    if (this.headBytes < this.headLimit) {
      const take = Math.min(rest.length, this.headLimit - this.headBytes);
      this.head.push(rest.subarray(0, take));
      this.headBytes += take;
      rest = rest.subarray(take);
    }
    if (rest.length === 0) return;
    this.tail.push(rest);
    this.tailBytes += rest.length;
    // Drop whole chunks that lie entirely before the last tailLimit bytes.
    while (this.tail.length > 1 && this.tailBytes - this.tail[0]!.length >= this.tailLimit) {
      this.tailBytes -= this.tail.shift()!.length;
    }
  }

  result(): Output {
    const tail = Buffer.concat(this.tail);
    const kept = tail.subarray(Math.max(0, tail.length - this.tailLimit));
    const omitted = this.total - this.headBytes - kept.length;
    if (omitted === 0) {
      return {
        text: Buffer.concat([...this.head, kept]).toString('utf8'),
        bytes: this.total,
        truncated: false,
      };
    }
    return {
      text: `${Buffer.concat(this.head).toString('utf8')}\n[… ${omitted} bytes omitted …]\n${kept.toString('utf8')}`,
      bytes: this.total,
      truncated: true,
    };
  }
}

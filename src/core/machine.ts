/**
 * A machine that runs radar: a stable id radar creates once (config/machine.ts), and the name a
 * person knows it by (config `machine.name`, the hostname by default). Token sources carry their
 * machine; reports can group by it.
 */
export interface Machine {
  id: string;
  name: string;
}

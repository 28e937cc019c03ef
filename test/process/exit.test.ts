import { describe, expect, it } from 'vitest';
import { exitsAtOnce } from '../../src/process/exit.js';

describe('exitsAtOnce: a finished command ends its process at once only with nothing left running', () => {
  it.each([
    { active: [], exits: true, why: 'nothing active' },
    { active: ['CloseReq'], exits: true, why: 'a file node is still closing' },
    { active: ['CloseReq', 'CloseReq'], exits: true, why: 'two files closing' },
    { active: ['FSReqCallback'], exits: false, why: 'a file operation in flight' },
    { active: ['WriteWrap', 'PipeWrap'], exits: false, why: 'a write to a pipe in flight' },
    { active: ['TTYWrap'], exits: false, why: 'a terminal stream' },
    { active: ['CloseReq', 'Timeout'], exits: false, why: 'a timer beside a closing file' },
    { active: ['TCPServerWrap', 'TCPSocketWrap'], exits: false, why: 'a server and its socket' },
    { active: ['ProcessWrap'], exits: false, why: 'a child process' },
    { active: undefined, exits: false, why: 'a node that cannot tell' },
  ])('$why: $exits', ({ active, exits }) => {
    expect(exitsAtOnce(active)).toBe(exits);
  });
});

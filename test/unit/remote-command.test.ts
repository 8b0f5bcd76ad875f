import { describe, expect, it } from 'vitest';
import {
  Channel,
  exitStatus,
  failureStatus,
  frame,
  parseResize,
  readExitStatus,
  resizeFrame,
} from '../../src/client/remote-command.js';

describe('remote-command protocol', () => {
  it('prefixes every frame with its channel byte', () => {
    expect([...frame(Channel.stdout, 'hi')]).toEqual([1, 104, 105]);
    expect([...frame(Channel.stdin, Buffer.from([0, 255]))]).toEqual([0, 0, 255]);
  });

  it('carries terminal sizes as kubectl sends them, and ignores malformed ones', () => {
    const f = resizeFrame(120, 40);
    expect(f[0]).toBe(Channel.resize);
    expect(f.subarray(1).toString()).toBe('{"Width":120,"Height":40}');
    expect(parseResize(f.subarray(1))).toEqual({ width: 120, height: 40 });
    expect(parseResize(Buffer.from('{"Width":0,"Height":40}'))).toBeUndefined();
    expect(parseResize(Buffer.from('not json'))).toBeUndefined();
  });

  it("writes the kubelet's exit Status and reads the exit code back as kubectl does", () => {
    expect(exitStatus(['true'], 0)).toEqual({ metadata: {}, status: 'Success' });
    const failed = exitStatus(['sh', '-c', 'exit 3'], 3);
    expect(failed).toMatchObject({
      status: 'Failure',
      reason: 'NonZeroExitCode',
      message:
        'command terminated with non-zero exit code: error executing command [sh -c exit 3], exit code 3',
      details: { causes: [{ reason: 'ExitCode', message: '3' }] },
    });
    expect(readExitStatus(JSON.stringify(failed))).toEqual({ exitCode: 3 });
    expect(readExitStatus(JSON.stringify(exitStatus(['true'], 0)))).toEqual({ exitCode: 0 });
    expect(readExitStatus(JSON.stringify(failureStatus('no such container')))).toEqual({
      exitCode: 1,
      error: 'no such container',
    });
    expect(readExitStatus('garbage')).toEqual({ exitCode: 1, error: 'garbage' });
  });
});
